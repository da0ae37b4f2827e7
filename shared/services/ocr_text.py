# ruff: noqa: RUF001  (Japanese text: the characters below are what is being repaired)
"""Repairs of characters the OCR recogniser confuses across scripts, for text read in a Japanese context.

The recogniser reads Chinese and Japanese with one dictionary, so in a Japanese photo it at times picks a look-alike
from the wrong script: hiragana べ for katakana ベ inside a katakana word, the kanji 一 (or a dash) for the long
vowel mark ー, a kanji like 口 or 力 for katakana ロ or カ, and a simplified Chinese form (赏) where Japanese writes
another (賞). Each repair here is made only where the neighbours make the intended character clear.
"""

from __future__ import annotations

import re
from typing import Final

_KATAKANA = "\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff"  # ァ-ヺ, ー ヽヾヿ, small katakana extensions
_HIRAGANA_TO_KATAKANA = 0x60  # ぁ (U+3041) + 0x60 = ァ (U+30A1)
# Particles often written between two katakana words (ケーキのセット, パンとコーヒー, ローマへバスで): never made
# katakana.
_PARTICLES: Final = frozenset("のとをにがはでもやかねよへ")
# Kanji and marks that the recogniser reads for a katakana look-alike.
_KANJI_FOR_KATAKANA: Final = {"口": "ロ", "力": "カ", "工": "エ", "夕": "タ", "卜": "ト", "二": "ニ", "八": "ハ"}
_SMALL_KATAKANA_OR_LONG: Final = frozenset("ァィゥェォッャュョヮー")  # no hiragana is followed by these in Japanese
_DASHES: Final = "一-－—―‐ｰ"  # read for the long vowel mark ー

# Simplified Chinese forms the recogniser returns for Japanese characters, each mapped to the Japanese form. Only
# characters that Japanese does not write are keys: none is in JIS X 0208 but for RARE_IN_JAPANESE (tests check it),
# while every value is; 机 (desk), 后, 叶, 据 (据える) or 泪 are Japanese too and are not here.
SIMPLIFIED_TO_JAPANESE: Final = dict(
    zip(
        "赏语说话时间门东车长书对乐亚图发馆饭钱铁驿气电边过进连远选问闻开关见观规视觉计认设读请课谢贵买卖费资"
        "质页顺题颜风飞马鱼鸟龙广厅历压华单卫个为习农处备员园场实岁师带张总战户择护报无业丝两严丰临乡亲产亿从"
        "价众优传侧儿兴册军净击则创别动务劳势协县变启响围圣坏坚复头奋妇孙宽宾寻导层岛币庆库应废异弃弹归录忆怀"
        "态惊惯愿戏执扩扫换损摄显晓暂术杀杂权极构标树样桥检欢毕汉汤沟泽洁测济浓热爱现环疗监盘础确离种积稳穷窗"
        "笔简类粮紧红约级纪纸线练组细终经结给统继续维绿网罗职肠肤脑节艺药获营虑虽补览论证评识译试诗该详误调谈"
        "贝负财责败货贸贺赛赞轨转轮软轻载较辆辈输达迁运违迟适递邮邻酱释钢银铺锁错锅键镇闭阅队阳阴阶际陆险隐难"
        "雾须顶项预领频额饮饱验骑鲜鸡黑",
        "賞語説話時間門東車長書対楽亜図発館飯銭鉄駅気電辺過進連遠選問聞開関見観規視覚計認設読請課謝貴買売費資"
        "質頁順題顔風飛馬魚鳥竜広庁歴圧華単衛個為習農処備員園場実歳師帯張総戦戸択護報無業糸両厳豊臨郷親産億従"
        "価衆優伝側児興冊軍浄撃則創別動務労勢協県変啓響囲聖壊堅復頭奮婦孫寛賓尋導層島幣慶庫応廃異棄弾帰録憶懐"
        "態驚慣願戯執拡掃換損摂顕暁暫術殺雑権極構標樹様橋検歓畢漢湯溝沢潔測済濃熱愛現環療監盤礎確離種積穏窮窓"
        "筆簡類糧緊紅約級紀紙線練組細終経結給統継続維緑網羅職腸膚脳節芸薬獲営慮雖補覧論証評識訳試詩該詳誤調談"
        "貝負財責敗貨貿賀賽賛軌転輪軟軽載較両輩輸達遷運違遅適逓郵隣醤釈鋼銀舗鎖錯鍋鍵鎮閉閲隊陽陰階際陸険隠難"
        "霧須頂項預領頻額飲飽験騎鮮鶏黒",
        strict=True,
    )
)
# Keys that JIS X 0208 holds for old or rare uses (radicals, variants) that modern Japanese text does not write.
RARE_IN_JAPANESE: Final = frozenset("气广个无从价儿册坏弃愿窗粮网")
_SIMPLIFIED = re.compile(f"[{''.join(SIMPLIFIED_TO_JAPANESE)}]")
_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc]")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々]")


def is_japanese_context(text: str) -> bool:
    """Text with kana in it is Japanese: Chinese has none, so the repairs below cannot hurt Chinese text."""
    return _KANA.search(text) is not None


def repair_katakana(text: str) -> str:
    """Katakana look-alikes inside katakana words: a hiragana character (not a particle) between two katakana or
    before ー or a small katakana becomes katakana (べッド -> ベッド, べーコン -> ベーコン), one of the look-alike kanji
    between two katakana too (ロ口ボ -> ロロボ), and 一 or a dash
    after a katakana becomes ー unless a kanji, a digit or つ follows (コ一ヒ一を -> コーヒーを, while メモ一つ and
    ケーキ一個 keep the kanji)."""
    chars = list(text)
    for index in range(len(chars) - 1):
        before, char, after = chars[index - 1] if index else "", chars[index], chars[index + 1]
        hiragana = "\u3041" <= char <= "\u3096" and char not in _PARTICLES
        if hiragana and (after in _SMALL_KATAKANA_OR_LONG or (_is_katakana(before) and _is_katakana(after))):
            chars[index] = chr(ord(char) + _HIRAGANA_TO_KATAKANA)
        elif char in _KANJI_FOR_KATAKANA and _is_katakana(before) and _is_katakana(after):
            chars[index] = _KANJI_FOR_KATAKANA[char]
    for index in range(1, len(chars)):
        if chars[index] in _DASHES and _is_katakana(chars[index - 1]):
            after = chars[index + 1] if index + 1 < len(chars) else ""
            if not (_KANJI.fullmatch(after) or after.isdigit() or after == "つ"):  # 一つ, 一個, 一1: the kanji
                chars[index] = "ー"
    return "".join(chars)


def to_japanese_forms(text: str) -> str:
    """Simplified Chinese characters in SIMPLIFIED_TO_JAPANESE replaced by their Japanese forms (赏 -> 賞)."""
    return _SIMPLIFIED.sub(lambda match: SIMPLIFIED_TO_JAPANESE[match[0]], text)


def normalise(text: str, japanese: bool) -> str:
    """The repairs above, made only when `japanese` (the photo's text is Japanese: see is_japanese_context)."""
    return to_japanese_forms(repair_katakana(text)) if japanese else text


def _is_katakana(char: str) -> bool:
    return re.fullmatch(f"[{_KATAKANA}]", char) is not None
