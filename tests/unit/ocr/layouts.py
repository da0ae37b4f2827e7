# ruff: noqa: RUF001  (Japanese punctuation is full width: cuts are placed around it)
"""Pages laid out like what learners photograph, for the OCR layout tests and bench/ocr_accuracy.py: cafe menus
(items with prices on the right, or without prices), signs (short centred lines, some with furigana), vertical text
with furigana, and paragraphs under headings (indented first lines, sentences running on across lines). Each sample
knows the lines a reader sees (without furigana), the units they form (sentences, and lines that stand alone: a
heading, a menu item, a price, a sign's line) and the furigana drawn. `boundary_hits` scores an OCR result's
sentences against the units.
"""

import itertools
from dataclasses import dataclass

from PIL import Image
from rapidfuzz.distance import Levenshtein

from tests.unit.ocr.samples import Placed, _font, columns, draw_rows, encode, photographed, plain, readings

KINDS = ("menu", "sign", "vertical_furigana", "headed_paragraphs")


@dataclass(frozen=True)
class LayoutSample:
    kind: str
    name: str
    image: bytes
    lines: list[str]  # what a reader sees, in reading order, furigana left out
    units: list[str]  # the lines' text cut into sentences and stand-alone lines; "".join(units) == "".join(lines)
    furigana: list[str]  # the readings drawn, in reading order


MENUS = [
    (
        "カフェメニュー",
        [
            ("ブレンドコーヒー", "450円"),
            ("カフェラテ", "500円"),
            ("抹茶ケーキ", "550円"),
            ("ベーコンサンド", "680円"),
            ("オレンジジュース", "400円"),
        ],
    ),
    (
        "本日のランチ",
        [
            ("カレーライス", "800円"),
            ("ハンバーグ定食", "950円"),
            ("ラーメン", "750円"),
            ("ベジタブルスープ", "380円"),
            ("デザートセット", "300円"),
        ],
    ),
    (
        "ドリンク",
        [
            ("アイスティー", "420円"),
            ("ホットミルク", "380円"),
            ("レモンソーダ", "450円"),
            ("ビール", "600円"),
            ("メロンクリームソーダ", "520円"),
        ],
    ),
    (
        "おすすめ",
        [
            ("チーズケーキ", "480円"),
            ("パンケーキ", "650円"),
            ("ベリータルト", "580円"),
            ("プリン", "350円"),
            ("ホットチョコレート", "500円"),
        ],
    ),
    (
        "モーニング",
        [
            ("トーストセット", "480円"),
            ("ゆで卵", "80円"),
            ("サラダ", "300円"),
            ("ヨーグルト", "250円"),
            ("コーヒー", "400円"),
        ],
    ),
    # Held out (see ARTICLES)
    (
        "喫茶メニュー",
        [
            ("ミックスサンド", "650円"),
            ("ナポリタン", "780円"),
            ("クリームソーダ", "480円"),
            ("ホットケーキ", "520円"),
            ("ミルクティー", "450円"),
        ],
    ),
    (
        "居酒屋",
        [("生ビール", "550円"), ("焼き鳥", "380円"), ("枝豆", "300円"), ("からあげ", "480円"), ("お茶漬け", "420円")],
    ),
    (
        "デザート",
        [
            ("ソフトクリーム", "350円"),
            ("バニラアイス", "300円"),
            ("ガトーショコラ", "520円"),
            ("フルーツパフェ", "780円"),
            ("ベイクドチーズケーキ", "550円"),
        ],
    ),
    (
        "パン",
        [
            ("メロンパン", "180円"),
            ("カレーパン", "220円"),
            ("クロワッサン", "200円"),
            ("あんパン", "160円"),
            ("ベーグル", "240円"),
        ],
    ),
    (
        "ランチセット",
        [
            ("パスタセット", "980円"),
            ("ピザセット", "1,050円"),
            ("スープカレー", "900円"),
            ("オムライス", "850円"),
            ("グリーンサラダ", "400円"),
        ],
    ),
]

SIGNS = [
    ["関係者以外", "立入禁止"],
    ["{営業時間|えいぎょうじかん}", "午前十時から午後八時まで", "定休日は水曜日です"],
    ["{非常口|ひじょうぐち}", "エレベーターは使わないでください"],
    ["足元に注意", "{段差|だんさ}があります"],
    ["{駐輪禁止|ちゅうりんきんし}", "自転車を置かないでください"],
    # Held out (see ARTICLES)
    ["{禁煙|きんえん}", "このビルは全館禁煙です"],
    ["お{手洗|てあら}い", "二階にございます"],
    ["{工事中|こうじちゅう}", "ご迷惑をおかけします"],
    ["{本日休業|ほんじつきゅうぎょう}", "またのご来店をお待ちしております"],
    ["{押|お}してください", "ドアは自動で開きます"],
]

# Vertical stories: sentences with furigana on some words, set in columns of at most COLUMN_CHARS characters.
STORIES = [
    "{昔|むかし}、ある{村|むら}に{優|やさ}しいおじいさんが{住|す}んでいました。{毎日|まいにち}{山|やま}へ{木|き}を"
    "{切|き}りに{行|い}きました。",
    "{今日|きょう}は{朝|あさ}から{雨|あめ}が{降|ふ}っています。{傘|かさ}を{持|も}って{学校|がっこう}へ{行|い}きます。",
    "{駅|えき}の{近|ちか}くに{新|あたら}しい{本屋|ほんや}ができました。{週末|しゅうまつ}に{友達|ともだち}と"
    "{行|い}くつもりです。",
    "{夏休|なつやす}みに{家族|かぞく}で{海|うみ}へ{行|い}きました。{水|みず}はとても{冷|つめ}たかったです。",
    "{春|はる}になると{公園|こうえん}の{桜|さくら}が{咲|さ}きます。{多|おお}くの{人|ひと}が{花見|はなみ}を"
    "{楽|たの}しみます。",
    # Held out (see ARTICLES)
    "{先週|せんしゅう}、{祖母|そぼ}の{家|いえ}に{行|い}きました。{庭|にわ}に{大|おお}きな{柿|かき}の{木|き}があります。",
    "{私|わたし}は{毎朝|まいあさ}{六時|ろくじ}に{起|お}きます。{朝|あさ}ご{飯|はん}の{前|まえ}に{犬|いぬ}と"
    "{散歩|さんぽ}します。",
    "この{町|まち}には{古|ふる}い{神社|じんじゃ}があります。{秋|あき}には{祭|まつ}りが{開|ひら}かれます。",
    "{雪|ゆき}が{降|ふ}った{日|ひ}、{子供|こども}たちは{外|そと}で{遊|あそ}びました。{大|おお}きな{雪|ゆき}"
    "だるまを{作|つく}りました。",
    "{図書館|としょかん}で{日本|にほん}の{歴史|れきし}の{本|ほん}を{借|か}りました。とても{面白|おもしろ}かったです。",
]
COLUMN_CHARS = 12

ARTICLES = [
    [
        ("日本の季節", "日本には四つの季節があります。春は桜が咲いて、とても美しいです。夏は暑くて、雨が多いです。"),
        ("秋の楽しみ", "秋は食べ物がおいしい季節です。山の紅葉を見に行く人も多いです。"),
    ],
    [
        ("私の趣味", "私の趣味は写真を撮ることです。休みの日はカメラを持って町を歩きます。"),
        ("最近のこと", "先月、新しいレンズを買いました。古いお寺の写真をたくさん撮りました。"),
    ],
    [
        ("駅までの道", "ホテルを出て右に曲がってください。まっすぐ行くと大きな橋があります。"),
        ("橋を渡ったら", "橋を渡ると左に駅が見えます。歩いて十分ぐらいです。"),
    ],
    [
        ("料理教室", "毎週土曜日に料理教室があります。今週はカレーの作り方を習いました。"),
        ("次の授業", "来週はケーキを作る予定です。材料は教室で用意します。"),
    ],
    [
        ("図書館の案内", "図書館は朝九時に開きます。本は二週間借りることができます。"),
        ("お願い", "館内では静かにしてください。飲み物は入口の近くで飲んでください。"),
    ],
    # Held out: written after the rules were tuned on the five above (bench/ocr_accuracy.py --start 5).
    [
        ("旅行の計画", "来月、友達と北海道へ行きます。飛行機のチケットはもう買いました。"),
        ("準備", "冬の北海道はとても寒いそうです。暖かいコートを持って行きます。"),
    ],
    [
        ("新しい仕事", "四月から新しい会社で働いています。毎日電車で一時間かかります。"),
        ("同僚", "同僚はみんな親切です。昼ご飯はいつも一緒に食べます。"),
    ],
    [
        ("健康のために", "最近、毎晩ジョギングをしています。体の調子がとてもいいです。"),
        ("食事", "野菜をたくさん食べるようにしています。甘い物は少し減らしました。"),
    ],
    [
        ("引っ越し", "先週、駅の近くのアパートに引っ越しました。部屋は狭いですが、明るいです。"),
        ("近所", "近くにスーパーとコンビニがあります。とても便利な所です。"),
    ],
    [
        ("日本語の勉強", "毎日三十分、日本語を勉強しています。漢字を覚えるのは大変です。"),
        ("目標", "来年、日本語能力試験を受けるつもりです。N3に合格したいです。"),
    ],
]
ARTICLE_CHARS = 13


def _sentences(text: str) -> list[str]:
    """Cut after each 。 (the texts here quote nothing)."""
    return [part + "。" for part in plain(text).split("。") if part]


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters (furigana markup kept whole and not counted), a 。 or 、 that would start a
    line kept at the end of the one before (kinsoku)."""
    lines, current, count = [], "", 0
    for token in _tokens(text):
        size = len(plain(token))
        if count + size > width and current and token not in ("。", "、"):
            lines.append(current)
            current, count = "", 0
        current += token
        count += size
    if current:
        lines.append(current)
    return lines


def _tokens(text: str) -> list[str]:
    tokens, index = [], 0
    while index < len(text):
        if text[index] == "{":
            end = text.index("}", index) + 1
            tokens.append(text[index:end])
            index = end
        else:
            tokens.append(text[index])
            index += 1
    return tokens


def _finish(image: Image.Image, photo: bool, seed: int) -> bytes:
    if not photo:
        return encode(image, "PNG")
    return photographed(image, angle=(-1.5, 1.0, 2.0, -0.8, 1.4)[seed % 5], seed=seed)


def menu(index: int, photo: bool) -> LayoutSample:
    title, items = MENUS[index % len(MENUS)]
    size, pad, width = 40, 50, 760
    placed = [Placed(title, (width - _font(56).getlength(title, language="ja")) / 2, pad, 56)]
    priced = index % 5 != 3  # the fourth of each five menus is a board of items without prices
    for row, (item, price) in enumerate(items):
        y = pad + 56 * 1.8 + row * size * 1.7
        price_x = width - pad - _font(size).getlength(price, language="ja")
        placed += [Placed(item, pad, y, size), *([Placed(price, price_x, y, size)] if priced else [])]
    height = int(placed[-1].y + size + pad)
    lines = [title, *(itertools.chain.from_iterable(items) if priced else (item for item, _ in items))]
    image = draw_rows(placed, width, height)
    return LayoutSample("menu", f"menu_{index}", _finish(image, photo, index), lines, lines, [])


def sign(index: int, photo: bool) -> LayoutSample:
    texts = SIGNS[index % len(SIGNS)]
    sizes = [64, *([44] * (len(texts) - 1))]
    width = int(max(_font(s).getlength(plain(t), language="ja") for t, s in zip(texts, sizes, strict=True)) + 120)
    placed, y = [], 60.0
    for text, size in zip(texts, sizes, strict=True):
        if readings(text):
            y += size * 0.55  # room for the furigana
        placed.append(Placed(text, (width - _font(size).getlength(plain(text), language="ja")) / 2, y, size))
        y += size * 1.6
    image = draw_rows(placed, width, int(y + 40))
    lines = [plain(text) for text in texts]
    furigana = [reading for text in texts for reading in readings(text)]
    return LayoutSample("sign", f"sign_{index}", _finish(image, photo, index), lines, lines, furigana)


def vertical_furigana(index: int, photo: bool) -> LayoutSample:
    story = STORIES[index % len(STORIES)]
    texts = _wrap(story, COLUMN_CHARS)
    image = columns(texts, size=40, spacing=2.1)
    lines = [plain(text) for text in texts]
    return LayoutSample(
        "vertical_furigana",
        f"vertical_furigana_{index}",
        _finish(image, photo, index),
        lines,
        _sentences(story),
        readings(story),
    )


def headed_paragraphs(index: int, photo: bool) -> LayoutSample:
    sections = ARTICLES[index % len(ARTICLES)]
    size, heading_size, pad = 36, 50, 50
    width = int(ARTICLE_CHARS * size + 2 * pad)
    placed, lines, units, y = [], [], [], float(pad)
    for heading, paragraph in sections:
        placed.append(Placed(heading, pad, y, heading_size))
        lines.append(heading)
        units.append(heading)
        y += heading_size * 1.7
        wrapped = _wrap("　" + paragraph, ARTICLE_CHARS)  # the first line is indented by one full-width space
        for line in wrapped:
            placed.append(Placed(line, pad, y, size))
            y += size * 1.6
        lines += [line.lstrip("　") for line in wrapped]
        units += _sentences(paragraph)
        y += size * 0.8
    image = draw_rows(placed, width, int(y + pad))
    name = f"headed_paragraphs_{index}"
    return LayoutSample("headed_paragraphs", name, _finish(image, photo, index), lines, units, [])


def two_column_page(index: int, photo: bool) -> LayoutSample:
    """A title across the page over two blocks of rows side by side (a newspaper's columns), one section's paragraph
    in each: read the left block, then the right one. Not a bench kind: tests/unit/ocr/test_ocr.py reads one."""
    (first, left), (_, right) = ARTICLES[index % len(ARTICLES)]
    size, title_size, pad, chars, gutter = 32, 48, 40, 11, 64
    block = chars * size
    width = 2 * pad + 2 * block + gutter
    title_width = _font(title_size).getlength(first, language="ja")
    placed = [Placed(first, (width - title_width) / 2, pad, title_size)]
    lines, units = [first], [first]
    for x, paragraph in ((pad, left), (pad + block + gutter, right)):
        wrapped = _wrap(paragraph, chars)
        placed += [Placed(line, x, pad + title_size * 2 + row * size * 1.6, size) for row, line in enumerate(wrapped)]
        lines += wrapped
        units += _sentences(paragraph)
    height = int(max(line.y for line in placed) + size + pad)
    image = draw_rows(placed, width, height)
    return LayoutSample("two_columns", f"two_columns_{index}", _finish(image, photo, index), lines, units, [])


_MAKERS = {"menu": menu, "sign": sign, "vertical_furigana": vertical_furigana, "headed_paragraphs": headed_paragraphs}


def layout_samples(per_kind: int = 5, start: int = 0) -> list[LayoutSample]:
    """`per_kind` pages of each kind from the `start`-th text on, every other one photo-like (turned, noisy JPEG),
    the rest clean PNGs. The first five texts of each kind are those the layout rules were tuned on; the next five
    were held out."""
    return [_MAKERS[kind](index, photo=index % 2 == 1) for kind in KINDS for index in range(start, start + per_kind)]


def boundary_hits(lines: list[str], units: list[str], got_text: str, got_units: list[str]) -> list[bool]:
    """For each expected line, whether the OCR result cuts it into units exactly where the expected units do: at the
    same places inside the line and, at its end, a cut or not as expected.

    The expected lines are joined into one string with the cut offsets of `units`; the result's lines (`got_text`,
    "\\n"-separated) likewise with the cut offsets of `got_units` (its sentences and the lines that belong to no
    sentence, in reading order, found in turn in its text). The result's cuts are carried onto the expected string
    by a character alignment, so misread characters do not count here (CER does)."""
    expected = "".join(lines)
    expected_cuts = set(itertools.accumulate(len(unit) for unit in units))
    got = "".join(got_text.split())
    got_cuts, position = set(), 0
    for unit in got_units:
        bare = "".join(unit.split())
        found = got.find(bare, position)
        if found < 0 or not bare:
            continue
        if found > position:
            got_cuts.add(found)  # text between units (a stand-alone line): its start is a cut too
        position = found + len(bare)
        got_cuts.add(position)
    got_cuts.add(len(got))
    carried = _carry(got, expected, got_cuts)
    hits = []
    for start, end in itertools.pairwise([0, *itertools.accumulate(len(line) for line in lines)]):
        want = {cut for cut in expected_cuts if start < cut <= end}
        have = {cut for cut in carried if start < cut <= end}
        hits.append(want == have)
    return hits


def _carry(source: str, target: str, cuts: set[int]) -> set[int]:
    """Offsets in `source` mapped onto `target` through their edit alignment. A cut just before punctuation that the
    source lacks (a 。 not read) lands after it: the cut is in the right place, the missing mark counts in the CER."""
    mapping = {0: 0}
    for op in Levenshtein.opcodes(source, target):
        if op.tag == "insert" and all(char in "。、！？!?」』）" for char in target[op.dest_start : op.dest_end]):
            mapping[op.src_start] = op.dest_end
            continue
        for offset in range(op.src_start, op.src_end + 1):
            if op.tag in ("equal", "replace"):
                mapping[offset] = op.dest_start + min(offset - op.src_start, op.dest_end - op.dest_start)
            else:
                mapping.setdefault(offset, op.dest_start if op.tag == "delete" else op.dest_end)
    return {mapping.get(cut, len(target)) for cut in cuts}
