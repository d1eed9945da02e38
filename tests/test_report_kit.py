"""The one report kit (experiments/reports/kit.py): every report is written through it, as
Markdown and HTML with the same content, with its settings (currency, language, baseline) in the
report rather than in module state."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest

from commsim.experiments.reports.kit import Formatter, Report

ROOT = Path(__file__).resolve().parents[1]


def test_markdown_and_html_carry_the_same_blocks(tmp_path):
    doc = Report("What to do with 5,000", currency="CNY")
    doc.paragraph("First line", "second line").section("The front")
    doc.table(["cost", "plan"], [[doc.fmt.money(1234.5), "content | kol"]])
    doc.bullets(["one", "two"])
    path = doc.write(tmp_path)
    md, page = path.read_text(), (tmp_path / "report.html").read_text()
    assert md.startswith("# What to do with 5,000\n") and "| 1,234 CNY | content \\| kol |" in md
    assert "<h2>The front</h2>" in page and "<td>1,234 CNY</td>" in page and "<li>two</li>" in page
    assert 'lang="en"' in page and "First line<br>" in page


def test_two_reports_written_at_once_keep_their_own_currency(tmp_path):
    out = {}

    def write(name, currency):
        doc = Report(name, currency=currency)
        for i in range(200):
            doc.paragraph(f"spent {doc.fmt.money(100.0 + i)}")
        out[name] = doc.write(tmp_path / name).read_text()

    threads = [threading.Thread(target=write, args=(n, c)) for n, c in (("a", "CNY"), ("b", "EUR"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "EUR" not in out["a"] and "CNY" not in out["b"] and out["a"].count("CNY") == 200


def test_sentences_go_through_the_catalogue_of_the_reports_language(monkeypatch, tmp_path):
    from commsim.experiments.reports import messages

    po = tmp_path / "zh.po"
    po.write_text('# a translator\'s comment\nmsgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "{n} plans searched"\nmsgstr ""\n"搜索了 {n} "\n"个方案"\n\nmsgid "untranslated"\nmsgstr ""\n',
                  encoding="utf-8")
    assert messages.read_po(po) == {"{n} plans searched": "搜索了 {n} 个方案"}
    tools = tmp_path / "tools.po"
    tools.write_text('#, fuzzy\nmsgid "guess"\nmsgstr "猜的"\n\nmsgctxt "menu"\nmsgid "File"\nmsgstr "文件"\n\n'
                     'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "个"\n\nmsgid "kept"\nmsgstr "保留"\n', encoding="utf-8")
    assert messages.read_po(tools) == {"kept": "保留"}, "fuzzy, context and plural entries are left out"
    monkeypatch.setattr(messages, "LOCALE", tmp_path)
    messages.catalogue.cache_clear()
    assert Formatter("zh").t("{n} plans searched", n=3) == "搜索了 3 个方案"
    assert Formatter("zh").t("untranslated") == "untranslated" and "untranslated" in messages.missing("zh")
    messages.catalogue.cache_clear()
    assert Formatter("en").t("{n} plans searched", n=3) == "3 plans searched"
    with pytest.raises(ValueError, match="report language 'fr'"):
        Formatter("fr")
    assert Formatter().share(0.1234) == "12.3%" and Formatter().share(0.01, points=True) == "+1.0 pp"
    assert Formatter().number(float("nan")) == "n/a"
    assert Formatter("zh").date("2004-04-15") == "2004年4月15日" and Formatter().date("2004-04-15") == "2004-04-15"


def test_the_shipped_catalogues_read():
    from commsim.experiments.reports import messages

    for po in messages.LOCALE.glob("*.po"):
        entries = messages.read_po(po)
        assert entries, po
        for msgid, msgstr in entries.items():  # a translation keeps the msgid's placeholders
            import re

            assert set(re.findall(r"{(\w*)[^}]*}", msgid)) == set(re.findall(r"{(\w*)[^}]*}", msgstr)), msgid


def test_every_report_writer_uses_the_kit_and_keeps_no_module_state():
    writers = sorted((ROOT / "experiments" / "reports").glob("*.py"))
    writers = [p for p in writers if p.name in ("comparison.py", "calibration.py", "sensitivity.py", "optimize.py")]
    assert len(writers) == 4
    for path in writers:
        tree = ast.parse(path.read_text())
        text = path.read_text()
        assert "Report(" in text and ".write(" in text, f"{path.name} does not write through the kit"
        assert "report.md\"" not in text.replace("`report.md`", ""), f"{path.name} writes report.md itself"
        for node in tree.body:  # no module-level dict or list that a report would change while writing
            if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Dict, ast.List)):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                assert False, f"{path.name}: module-level mutable {names}"


def test_money_is_in_cny_by_default_and_another_currency_is_said():
    from commsim.experiments.reports.kit import Formatter

    assert Formatter("en").money(1500) == "1,500 CNY" and Formatter("zh").money(1500) == "1,500 元"
    assert Formatter("en").currency_lines() == []
    note = Formatter("en", "EUR").currency_lines()[0]
    assert "default prices are in CNY" in note and "given in EUR" in note
    assert "欧元" in Formatter("zh", "EUR").currency_lines()[0]


def test_the_pair_plot_shows_the_campaign_responses_then_the_most_influential_parameters():
    import pandas as pd

    from commsim.experiments.reports.calibration import PAIRS_SHOWN, pair_keys

    fitted = [f"behaviour.p{i}" for i in range(9)] + ["strategies.winback.uplift", "calendar.events.0.activity"]
    screening = pd.DataFrame({"parameter": [f"behaviour.p{i}" for i in range(9)],
                              "eta2": [0.01, 0.5, 0.02, 0.3, 0.0, 0.2, 0.04, 0.1, 0.03]})
    shown = pair_keys(fitted, screening)
    assert len(shown) == PAIRS_SHOWN == 6
    assert shown == ["strategies.winback.uplift", "behaviour.p1", "behaviour.p3", "behaviour.p5", "behaviour.p7",
                     "behaviour.p6"]
    assert pair_keys(fitted[:3], None) == fitted[:3], "a few parameters: all of them, in order"


def test_the_calibration_reports_bands_take_curves_of_different_lengths():
    """A run's retention curve stops at the last week its newcomers could be followed, so runs differ in
    length (a young community's twin failed to draw its report on that: tests/test_workbench_browser.py)."""
    from commsim.experiments.reports.calibration import _band

    median, lo, hi = _band([[0.5, 0.4, 0.3], [0.6, 0.2], [], [0.7, 0.3, 0.1, 0.0]])
    assert median.tolist() == [0.6, 0.3] and lo[0] <= median[0] <= hi[0]
    assert _band([[], []]) is None


def test_emphasis_next_to_chinese_is_markup_and_between_digits_is_not():
    from commsim.experiments.reports.html import _inline

    assert "<i>如果</i>" in _inline("“*如果*成员都来”")
    assert "<i>" not in _inline("2*3*4 and a_b*c*d")
