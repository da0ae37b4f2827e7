"""Boxes into lines, furigana and sentences (shared/services/ocr_layout.py), on boxes made up the way the model returns
them: one box per line (or per piece of a line), its quadrilateral, its text. No model and no image: each layout rule
has its case here; tests/unit/ocr/test_ocr.py runs the same rules on real renders through the model."""

from shared.services.ocr_layout import Line, arrange, line_from_polygon

WIDTH, HEIGHT = 1000, 1000


def row(text: str, x: float, y: float, size: float = 40, length: float | None = None) -> Line:
    """A horizontal box: `size` pixels high, as long as its full-width characters unless `length` says."""
    length = length if length is not None else len(text) * size
    corners = [(x, y), (x + length, y), (x + length, y + size), (x, y + size)]
    return line_from_polygon(text, 0.99, corners, WIDTH, HEIGHT)


def column(text: str, x: float, y: float, size: float = 40) -> Line:
    """A vertical box: `size` pixels wide, one character cell per character downwards from (x, y)."""
    length = len(text) * size
    corners = [(x, y), (x + size, y), (x + size, y + length), (x, y + length)]
    return line_from_polygon(text, 0.99, corners, WIDTH, HEIGHT)


def sentence_texts(lines: list[Line]) -> list[str]:
    return [sentence.text for sentence in arrange(lines, WIDTH, HEIGHT)[2]]


# --- sentences cut by layout ---------------------------------------------------------------------------------------


def test_running_text_wrapped_across_rows_is_one_sentence():
    # Given a sentence wrapped at the right edge of a block of rows, as a paragraph is
    lines = [row("日本には四つの季節があり", 50, 100), row("ます。春は桜が咲きます。", 50, 160)]

    # Then it is one sentence across the rows, and the next one starts after its full stop
    assert sentence_texts(lines) == ["日本には四つの季節があります。", "春は桜が咲きます。"]


def test_a_larger_heading_is_not_glued_to_the_first_sentence_of_its_paragraph():
    # Given a heading set larger than its paragraph, without punctuation, the paragraph's rows under it
    lines = [row("日本の季節", 50, 40, size=56), row("日本には四つの季節があり", 50, 130), row("ます。", 50, 190)]

    # Then the heading is a unit of its own
    assert sentence_texts(lines) == ["日本の季節", "日本には四つの季節があります。"]


def test_a_heading_the_size_of_its_text_ends_where_its_short_line_ends():
    # Given a heading as large as the text, short of the block's right edge, and a paragraph not indented
    lines = [row("私の趣味", 50, 40), row("私の趣味は写真を撮ること", 50, 100), row("です。", 50, 160)]

    # Then the heading ends at its line's end
    assert sentence_texts(lines) == ["私の趣味", "私の趣味は写真を撮ることです。"]


def test_an_indented_line_starts_a_new_paragraph():
    # Given a paragraph's last line filling the row without a full stop (misread), then an indented line
    lines = [row("春は桜が咲きます夏は暑いで", 50, 100), row("秋は紅葉がきれいです。", 90, 160)]

    # Then the indented line starts a new unit
    assert sentence_texts(lines) == ["春は桜が咲きます夏は暑いで", "秋は紅葉がきれいです。"]


def test_rows_set_apart_by_a_gap_are_separate_units():
    # Given two full rows of the same size and start, far apart (a blank line between two blocks)
    lines = [row("入口はこちらから入ってくださ", 50, 100), row("出口は建物の反対側にありま", 50, 260)]

    # Then the gap cuts them apart though the first ends without punctuation
    assert sentence_texts(lines) == ["入口はこちらから入ってくださ", "出口は建物の反対側にありま"]


def test_menu_items_and_their_prices_stay_apart_and_prices_are_not_sentences():
    # Given a menu: a title, then items on the left and their prices far to the right on the same rows
    lines = [
        row("カフェメニュー", 200, 40, size=56),
        row("ブレンドコーヒー", 50, 140),
        row("450円", 600, 140, length=110),
        row("カフェラテ", 50, 210),
        row("500円", 600, 210, length=110),
    ]

    # When arranged
    body, furigana, found, vertical = arrange(lines, WIDTH, HEIGHT)

    # Then every item is a unit of its own, no price is a sentence, and each keeps its own box
    assert [sentence.text for sentence in found] == ["カフェメニュー", "ブレンドコーヒー", "カフェラテ"]
    assert [line.box.text for line in body] == ["カフェメニュー", "ブレンドコーヒー", "450円", "カフェラテ", "500円"]
    assert found[1].bbox == body[1].box.bbox
    assert (furigana, vertical) == ([], False)


def test_an_item_and_its_price_read_as_one_box_are_cut_into_two_lines():
    # Given menu rows the detector read whole: leader dots or a space between the item and its price
    lines = [
        row("カレーライス・・・・800円", 50, 50, length=600),
        row("ラーメン　750円", 50, 110, length=400),
        row("コーヒー", 50, 170),
        row("1,200円", 50, 230, length=120),
    ]

    # When arranged
    body, _, found, _ = arrange(lines, WIDTH, HEIGHT)

    # Then each item and its price are lines of their own, the item's box left of the price's on the same row
    assert [line.box.text for line in body] == ["カレーライス", "800円", "ラーメン", "750円", "コーヒー", "1,200円"]
    assert [sentence.text for sentence in found] == ["カレーライス", "ラーメン", "コーヒー"]
    item, price = body[0], body[1]
    assert item.x0 == 50 and item.x1 < price.x0 and price.x1 == 650
    assert (item.y0, item.y1) == (price.y0, price.y1) == (50, 90)


def test_leader_dots_are_cut_off_an_item_and_a_price_read_as_two_boxes():
    # Given a photographed menu row that the detector cut among its leader dots
    lines = [row("カレーライス・", 50, 50), row("····800円", 400, 50, length=200)]

    # Then the item and the price come back without the dots, the price right of the item
    body, _, found, _ = arrange(lines, WIDTH, HEIGHT)
    assert [line.box.text for line in body] == ["カレーライス", "800円"]
    assert [sentence.text for sentence in found] == ["カレーライス"]
    assert body[0].x1 < 330 and body[1].x0 > 400


def test_a_list_without_punctuation_is_a_unit_a_row_even_where_a_row_reaches_the_edge():
    # Given a drinks board without prices: the longest item reaches the block's edge, the next starts under it
    lines = [row("ブレンドコーヒー", 50, 50), row("カフェラテ", 50, 110), row("ホットミルク", 50, 170)]

    # Then every item is a unit
    assert sentence_texts(lines) == ["ブレンドコーヒー", "カフェラテ", "ホットミルク"]


def test_a_centred_signs_lines_are_separate_units():
    # Given a sign: two centred lines of different lengths, without punctuation
    lines = [row("関係者以外", 100, 50, size=64), row("立入禁止", 150, 150, size=50)]

    # Then each line is a unit
    assert sentence_texts(lines) == ["関係者以外", "立入禁止"]


def test_a_line_ending_with_a_comma_runs_on_into_the_next():
    # Given a centred sign whose first line ends with 、 and whose second line is shorter and further in
    lines = [row("この先は工事中のため、", 50, 50), row("通行できません", 120, 110)]

    # Then it is one sentence
    assert sentence_texts(lines) == ["この先は工事中のため、通行できません"]


def test_columns_run_on_to_the_next_column_until_a_short_one_ends():
    # Given vertical text: a full column, then one that ends short, then a full one
    lines = [
        column("明日は晴れるでしょう。", 640, 50),  # listed left to right, as the model does
        column("ます。傘を持って行", 720, 50),  # short: the paragraph ends here (its 。 misread away)
        column("今日は朝から雨が降ってい", 800, 50),
    ]

    # When arranged
    body, _, found, vertical = arrange(lines, WIDTH, HEIGHT)

    # Then the columns read right to left, the first sentence runs across two columns and the short one ends a unit
    assert vertical is True
    assert [line.box.text for line in body] == [line.box.text for line in reversed(lines)]
    assert [sentence.text for sentence in found] == [
        "今日は朝から雨が降っています。",
        "傘を持って行",
        "明日は晴れるでしょう。",
    ]


def test_a_column_cut_in_pieces_by_the_detector_is_read_as_one():
    # Given one column that the detector cut in three where furigana sat beside it, the pieces just touching
    lines = [column("昔、", 800, 50), column("ある村に優", 800, 130), column("しいおじいさんがいました。", 800, 330)]

    # Then the pieces make one sentence
    assert sentence_texts(lines) == ["昔、ある村に優しいおじいさんがいました。"]


def test_two_blocks_of_prose_side_by_side_are_read_one_after_the_other():
    # Given a title across the page, then two newspaper columns of rows, each holding sentences that run on
    lines = [
        row("今日のニュース", 300, 20, size=56),
        row("日本には四つの季節があ", 50, 120),
        row("秋は食べ物がおいしい季", 560, 120),
        row("ります。春は桜が咲きます。", 50, 180, length=440),
        row("節です。山も美しいです。", 560, 180, length=440),
    ]

    # When arranged
    body, _, found, _ = arrange(lines, WIDTH, HEIGHT)

    # Then the title is read first, then the left block, then the right one
    assert [line.box.text for line in body] == [lines[i].box.text for i in (0, 1, 3, 2, 4)]
    assert [sentence.text for sentence in found] == [
        "今日のニュース",
        "日本には四つの季節があります。",
        "春は桜が咲きます。",
        "秋は食べ物がおいしい季節です。",
        "山も美しいです。",
    ]


# --- furigana ------------------------------------------------------------------------------------------------------


def test_furigana_over_a_row_are_set_apart_from_the_text_and_kept_with_their_boxes():
    # Given a sign: えいぎょうじかん set small over 営業時間, then a line of text
    ruby = row("えいぎょうじかん", 205, 40, size=22, length=170)
    lines = [ruby, row("営業時間", 200, 70, size=44), row("午前十時から午後八時まで", 60, 140)]

    # When arranged
    body, furigana, found, _ = arrange(lines, WIDTH, HEIGHT)

    # Then the furigana are neither a line nor in a sentence, and come back on their own with their box
    assert [line.box.text for line in body] == ["営業時間", "午前十時から午後八時まで"]
    assert [sentence.text for sentence in found] == ["営業時間", "午前十時から午後八時まで"]
    assert [(line.box.text, line.box.bbox) for line in furigana] == [("えいぎょうじかん", ruby.box.bbox)]


def test_furigana_right_of_a_column_are_set_apart_including_misread_ones():
    # Given a column with furigana in thin columns on its right: むかし, むら, and き read as 也 and り as "id:)"
    lines = [
        column("昔、ある村に木がありました。", 800, 50),
        column("むかし", 845, 50, size=18),
        column("むら", 845, 250, size=18),
        column("也", 845, 330, size=18),
        column("id:)", 845, 400, size=18),
    ]

    # When arranged
    body, furigana, found, vertical = arrange(lines, WIDTH, HEIGHT)

    # Then the text is the column alone, and the furigana come back top to bottom
    assert vertical is True
    assert [line.box.text for line in body] == ["昔、ある村に木がありました。"]
    assert [sentence.text for sentence in found] == ["昔、ある村に木がありました。"]
    assert [line.box.text for line in furigana] == ["むかし", "むら", "也", "id:)"]


def test_the_furigana_of_neighbouring_words_read_as_one_box_with_a_comma_are_furigana():
    # Given 私は毎朝 with わたし and まいあさ beside it, detected as one thin box and read with a 、 in the gap
    lines = [column("私は毎朝六時に起きます。", 800, 50), column("わたし、まいあさ", 845, 50, size=18)]

    # Then the box is furigana, not a sentence
    _, furigana, found, _ = arrange(lines, WIDTH, HEIGHT)
    assert [line.box.text for line in furigana] == ["わたし、まいあさ"]
    assert [sentence.text for sentence in found] == ["私は毎朝六時に起きます。"]


def test_furigana_the_detector_took_into_their_bases_box_are_still_set_apart():
    # Given a photo's column whose box took in the furigana beside it (83 px wide for 45 px characters), and the
    # furigana かさ found again inside that box, on its right half
    base = line_from_polygon(
        "傘を持って行きます。", 0.97, [(155, 30), (238, 30), (238, 530), (155, 530)], WIDTH, HEIGHT
    )
    ruby = line_from_polygon("かさ", 0.91, [(206, 160), (237, 160), (237, 212), (206, 212)], WIDTH, HEIGHT)

    # Then they are furigana
    _, furigana, _, _ = arrange([base, ruby, column("今日は雨です。", 300, 30)], WIDTH, HEIGHT)
    assert [line.box.text for line in furigana] == ["かさ"]


def test_small_kana_that_do_not_sit_on_kanji_are_text():
    # Given small kana under a kanji line (a caption, not over it) and small kana over a kana-only line
    lines = [
        row("お知らせ", 50, 50, size=44),
        row("ごあんない", 50, 100, size=22),  # under the line: text
        row("ひらがな", 300, 300, size=20),
        row("こんにちは", 300, 325, size=44),  # over kana only: no kanji to read
    ]

    # Then none of them is furigana
    _, furigana, _, _ = arrange(lines, WIDTH, HEIGHT)
    assert furigana == []


# --- script repairs in Japanese context ----------------------------------------------------------------------------


def test_lines_are_repaired_where_the_text_is_japanese():
    # Given lines with べ read for ベ and 一 for ー, and a simplified 赏
    lines = [row("べーコンを食べた。", 50, 50), row("コ一ヒ一を飲んだ。", 50, 110), row("赏を取りました。", 50, 170)]

    # Then they come back in Japanese forms, in the lines and the sentences alike
    body, _, found, _ = arrange(lines, WIDTH, HEIGHT)
    expected = ["ベーコンを食べた。", "コーヒーを飲んだ。", "賞を取りました。"]
    assert [line.box.text for line in body] == expected
    assert [sentence.text for sentence in found] == expected


def test_text_without_kana_is_left_as_read():
    # Given Chinese text (no kana anywhere): its simplified characters are its own
    body, _, _, _ = arrange([row("我获得了奖赏", 50, 50)], WIDTH, HEIGHT)
    assert body[0].box.text == "我获得了奖赏"
