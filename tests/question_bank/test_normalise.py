from lms.question_bank.normalise import normalise, normalise_for_quote


def test_width_case_spaces_and_script_fold_together():
    assert normalise("ＣＲＭ 系統") == normalise("crm系统")
    assert normalise(" 每 季 度 ") == "每季度"
    assert normalise("８０分，含８０分") == normalise("80分,含80分")
    assert normalise("「客戶至上」") == normalise("“客户至上”")


def test_different_words_stay_different():
    assert normalise("季度") != normalise("月度")


def test_quote_folding_drops_markdown_markup():
    assert normalise_for_quote("| 严重 | **≤30分钟** |") == normalise_for_quote("严重≤30分钟")
