# ruff: noqa: RUF001  (Japanese text is written with full-width question and exclamation marks: they are under test)
"""Hiragana and romaji readings from Open JTalk (pyopenjtalk-plus): the words learners trip on, Hepburn's rules,
and sample sentences whose readings were checked by hand (shared/content/sentences.json).

Not marked slow: pyopenjtalk and its dictionary load once, in about 1 s, and each sentence then takes under 1 ms.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from shared.services.readings import Reading, read_japanese

REPO_ROOT = Path(__file__).resolve().parents[3]

# pyopenjtalk-plus calls sudachipy's deprecated Dictionary.create() the first time it meets a kanji with several
# readings: not ours to fix.


@pytest.mark.parametrize(
    ("text", "hiragana", "romaji"),
    [
        ("今日", "きょう", "kyou"),
        ("一人", "ひとり", "hitori"),
        ("二人", "ふたり", "futari"),
        ("大人", "おとな", "otona"),
        ("三本", "さんぼん", "sanbon"),
        ("一つ", "ひとつ", "hitotsu"),
        ("二十歳", "はたち", "hatachi"),
        ("明日", "あした", "ashita"),
        ("八百屋", "やおや", "yaoya"),
        ("上手", "じょうず", "jouzu"),
        ("下手", "へた", "heta"),
        ("時計", "とけい", "tokei"),
        ("何時", "なんじ", "nanji"),
        ("七時", "しちじ", "shichiji"),
        ("四時", "よじ", "yoji"),
        ("九時", "くじ", "kuji"),
        ("六百円", "ろっぴゃくえん", "roppyakuen"),
        ("何人", "なんにん", "nannin"),
        ("四人", "よにん", "yonin"),
        ("八分", "はっぷん", "happun"),  # the dictionary's はちぶ (eight tenths) is rare in learners' sentences
    ],
)
def test_tricky_words(text: str, hiragana: str, romaji: str) -> None:
    # When a word with an irregular reading (a counter, a special reading) is read, Then both readings are the usual
    reading = read_japanese(text)
    assert (reading.hiragana, reading.romaji) == (hiragana, romaji)


@pytest.mark.parametrize(
    ("text", "hiragana"),
    [
        ("五月一日は私の誕生日です。", "ごがつついたちはわたしのたんじょうびです。"),  # a date: ついたち
        ("一日に三回", "いちにちにさんかい"),  # a duration: いちにち
        ("一日", "いちにち"),  # alone it is ambiguous; Open JTalk says いちにち
    ],
)
def test_one_day_is_read_by_context(text: str, hiragana: str) -> None:
    # When 一日 is read in a date, in a duration and alone, Then it is ついたち, いちにち and いちにち
    assert read_japanese(text).hiragana == hiragana


@pytest.mark.parametrize(
    ("text", "hiragana"),
    [
        # 十分 is じゅっぷん (ten minutes: じゅっぷん rather than the older じっぷん, as the sample content has it)
        # where the context says duration, じゅうぶん (enough) otherwise.
        ("駅まで歩いて十分です。", "えきまであるいてじゅっぷんです。"),
        ("十分かかります。", "じゅっぷんかかります。"),
        ("10分待ってください。", "じゅっぷんまってください。"),
        ("十分", "じゅっぷん"),
        ("十分です。", "じゅうぶんです。"),
    ],
)
def test_ten_minutes_or_enough(text: str, hiragana: str) -> None:
    # When 十分 or 10分 is read, Then it is じゅっぷん where the sentence speaks of time, じゅうぶん otherwise
    assert read_japanese(text).hiragana == hiragana


@pytest.mark.parametrize(
    ("text", "hiragana", "romaji"),
    [
        ("これは何ですか？", "これはなんですか？", "kore wa nan desu ka?"),
        ("何を食べますか？", "なにをたべますか？", "nani o tabemasu ka?"),
        ("雨が降ります。", "あめがふります。", "ame ga furimasu."),
        ("電車を降ります。", "でんしゃをおります。", "densha o orimasu."),
        ("ドアが開きます。", "どあがあきます。", "doa ga akimasu."),
        ("会議を開きます。", "かいぎをひらきます。", "kaigi o hirakimasu."),
    ],
)
def test_homographs_read_by_the_words_around_them(text: str, hiragana: str, romaji: str) -> None:
    # When 何, 降りる or 開く is read in a sentence, Then its reading is the one the words around it call for
    reading = read_japanese(text)
    assert (reading.hiragana, reading.romaji) == (hiragana, romaji)


def test_particles_keep_their_spelling_in_hiragana_and_their_sound_in_romaji() -> None:
    # When a sentence with the particles は, へ and を is read
    reading = read_japanese("私は部屋へパンを持っていきます。")
    # Then the hiragana writes them as written, the romaji as said: wa, e, o
    assert reading.hiragana == "わたしはへやへぱんをもっていきます。"
    assert reading.romaji == "watashi wa heya e pan o motte ikimasu."


def test_ha_inside_a_word_stays_ha() -> None:
    # When 花は is read, Then the は of 花 is "ha" and only the particle is "wa"
    assert read_japanese("花はきれいです。").romaji == "hana wa kirei desu."


def test_set_phrases_with_ha_are_read_wa() -> None:
    # When こんにちは is read, Then its final は, a particle once, is "wa" in one word
    reading = read_japanese("こんにちは。")
    assert (reading.hiragana, reading.romaji) == ("こんにちは。", "konnichiwa.")


@pytest.mark.parametrize(
    ("text", "romaji"),
    [
        ("ここは禁煙です。", "koko wa kin'en desu."),  # ん before a vowel
        ("今夜", "kon'ya"),  # ん before y
        ("千円", "sen'en"),  # across number and counter
        ("鉛筆", "enpitsu"),  # ん before p stays n
    ],
)
def test_n_before_a_vowel_or_y_takes_an_apostrophe(text: str, romaji: str) -> None:
    # When ん comes before a vowel or y, Then the romaji writes n' (and a plain n before a consonant)
    assert read_japanese(text).romaji == romaji


@pytest.mark.parametrize(
    ("text", "romaji"),
    [("切手を買った。", "kitte o katta."), ("抹茶", "matcha"), ("こっち", "kotchi"), ("学校", "gakkou")],
)
def test_small_tsu_doubles_the_next_consonant(text: str, romaji: str) -> None:
    # When a small っ comes before a consonant, Then the romaji doubles it (tch before ch)
    assert read_japanese(text).romaji == romaji


def test_katakana_long_vowel_mark_repeats_the_vowel() -> None:
    # When katakana with ー is read, Then the hiragana keeps the mark and the romaji repeats the vowel
    reading = read_japanese("コーヒーを飲みませんか？")
    assert (reading.hiragana, reading.romaji) == ("こーひーをのみませんか？", "koohii o nomimasen ka?")


def test_long_vowels_are_spelled_as_in_kana() -> None:
    # When 東京 and 大きい are read, Then their long vowels are spelled ou and oo, as their kana, without macrons
    assert read_japanese("東京の大きい映画館").romaji == "toukyou no ookii eigakan"


def test_digits_are_read_with_their_counters() -> None:
    # When a sentence with the digit 3 before a counter is read, Then 3本 reads さんぼん, as 三本 would
    reading = read_japanese("3本ください。")
    assert (reading.hiragana, reading.romaji) == ("さんぼんください。", "sanbon kudasai.")


def test_punctuation_and_other_scripts_are_kept_as_written() -> None:
    # When a sentence with Japanese punctuation and a Latin word is read, Then the hiragana keeps both as written,
    # the romaji keeps the word and turns the punctuation into its Western form
    reading = read_japanese("はい、Tokyoです！")
    assert (reading.hiragana, reading.romaji) == ("はい、Tokyoです！", "hai, Tokyo desu!")


def test_honorific_suffix_is_hyphenated() -> None:
    # When a name with さん is read, Then the romaji joins them with a hyphen: tanaka-san
    assert read_japanese("田中さんはどこですか？").romaji == "tanaka-san wa doko desu ka?"


def test_empty_text_reads_as_empty() -> None:
    # When empty text is read, Then both readings are empty
    reading = read_japanese("")
    assert (reading.hiragana, reading.romaji) == ("", "")


def test_engine_names_the_package_and_its_version() -> None:
    # When a word is read, Then the reading names the engine that made it, with its version (stored with readings)
    assert read_japanese("猫").engine == "pyopenjtalk-plus 0.4.1.post10"


# Sentences of shared/content/sentences.json, readings as checked by hand there, exactly (spacing included).
SAMPLE_SENTENCES = [
    ("おはようございます。", "おはようございます。", "ohayou gozaimasu."),
    ("はじめまして、田中です。", "はじめまして、たなかです。", "hajimemashite, tanaka desu."),
    ("お元気ですか？", "おげんきですか？", "ogenki desu ka?"),
    ("じゃ、また明日。", "じゃ、またあした。", "ja, mata ashita."),
    ("私は東京に住んでいます。", "わたしはとうきょうにすんでいます。", "watashi wa toukyou ni sunde imasu."),
    ("明日、学校へ行きます。", "あした、がっこうへいきます。", "ashita, gakkou e ikimasu."),
    ("毎朝七時に起きます。", "まいあさしちじにおきます。", "maiasa shichiji ni okimasu."),
    ("今、何時ですか？", "いま、なんじですか？", "ima, nanji desu ka?"),
    ("四時に友達と会います。", "よじにともだちとあいます。", "yoji ni tomodachi to aimasu."),
    ("九時から授業があります。", "くじからじゅぎょうがあります。", "kuji kara jugyou ga arimasu."),
    (
        "ここから学校まで自転車で八分かかります。",
        "ここからがっこうまでじてんしゃではっぷんかかります。",
        "koko kara gakkou made jitensha de happun kakarimasu.",
    ),
    ("鉛筆を三本ください。", "えんぴつをさんぼんください。", "enpitsu o sanbon kudasai."),
    ("この本は千円です。", "このほんはせんえんです。", "kono hon wa sen'en desu."),
    ("六百円です。", "ろっぴゃくえんです。", "roppyakuen desu."),
    ("兄弟は何人いますか？", "きょうだいはなんにんいますか？", "kyoudai wa nannin imasu ka?"),
    (
        "姉が一人と弟が二人います。",
        "あねがひとりとおとうとがふたりいます。",
        "ane ga hitori to otouto ga futari imasu.",
    ),
    (
        "大人二枚と子供一枚をください。",
        "おとなにまいとこどもいちまいをください。",
        "otona nimai to kodomo ichimai o kudasai.",
    ),
    ("母は料理が上手です。", "はははりょうりがじょうずです。", "haha wa ryouri ga jouzu desu."),
    (
        "冬は寒いですが、春は暖かいです。",
        "ふゆはさむいですが、はるはあたたかいです。",
        "fuyu wa samui desu ga, haru wa atatakai desu.",
    ),
    (
        "まっすぐ行って、二つ目の角を右に曲がってください。",
        "まっすぐいって、ふたつめのかどをみぎにまがってください。",
        "massugu itte, futatsume no kado o migi ni magatte kudasai.",
    ),
    (
        "週末はどこへも行きませんでした。",
        "しゅうまつはどこへもいきませんでした。",
        "shuumatsu wa doko e mo ikimasen deshita.",
    ),
    ("今夜は早く寝ます。", "こんやははやくねます。", "kon'ya wa hayaku nemasu."),
    (
        "明日までに宿題をしなければなりません。",
        "あしたまでにしゅくだいをしなければなりません。",
        "ashita made ni shukudai o shinakereba narimasen.",
    ),
    ("雨が降りそうです。", "あめがふりそうです。", "ame ga furisou desu."),
    (
        "教室で食べ物を食べてはいけません。",
        "きょうしつでたべものをたべてはいけません。",
        "kyoushitsu de tabemono o tabete wa ikemasen.",
    ),
    (
        "先生に日本語を教えてもらいました。",
        "せんせいににほんごをおしえてもらいました。",
        "sensei ni nihongo o oshiete moraimashita.",
    ),
    ("窓が開いています。", "まどがあいています。", "mado ga aite imasu."),
    (
        "天気予報によると、明日は雪が降るそうです。",
        "てんきよほうによると、あしたはゆきがふるそうです。",
        "tenki yohou ni yoru to, ashita wa yuki ga furu sou desu.",
    ),
    ("弟は来年二十歳になります。", "おとうとはらいねんはたちになります。", "otouto wa rainen hatachi ni narimasu."),
    ("晩ご飯を食べすぎました。", "ばんごはんをたべすぎました。", "ban gohan o tabesugimashita."),  # see below
]


@pytest.mark.parametrize(("text", "hiragana", "romaji"), SAMPLE_SENTENCES)
def test_sample_sentences(text: str, hiragana: str, romaji: str) -> None:
    # When a sample sentence is read, Then both readings are those checked by hand in the content.
    # One difference from the sample content is expected: 昼/朝/晩 + ご飯 are two words to Open JTalk and the
    # engine does not join nouns, so "ban gohan" where the content writes "bangohan".
    assert read_japanese(text) == Reading(hiragana=hiragana, romaji=romaji, engine="pyopenjtalk-plus 0.4.1.post10")


def test_module_imports_without_pyopenjtalk() -> None:
    """The API's zip functions import the services package without the readings dependency group."""
    # Given a Python process where pyopenjtalk cannot be imported
    probe = "import sys; sys.modules['pyopenjtalk'] = None; import shared.services.readings"
    # When it imports the readings service, Then the import succeeds (pyopenjtalk is loaded on first use only)
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
