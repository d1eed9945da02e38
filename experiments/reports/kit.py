"""One report kit for every report: sections, paragraphs, lists, tables and figures, written as
Markdown (``report.md``) and as one self-contained HTML file (``report.html``, figures embedded).

    doc = Report("What to do with 20,000", language="en", currency="CNY")
    doc.paragraph("Plans ranked by value for money.")
    doc.section("The front")
    doc.table(["cost", "plan"], [[fmt.money(1200), "content"]])
    doc.figure("figures/pareto.png", "the front")
    doc.write(folder)                      # report.md and report.html, each written atomically

A report carries its own settings -- language, currency, the scenario drawn as the baseline --
in a :class:`Formatter`, never in module state, so two reports can be written at once (threads,
a web page serving several people). Every sentence a report shows passes through
:meth:`Report.t` / :meth:`Formatter.t`, which looks it up in the message catalogue
(experiments/reports/messages.py: gettext PO files, ``report.language=zh|en``); numbers, money,
shares and dates are formatted by the same object, for the report's locale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from commsim.experiments.runner.outputs import atomic_write
from commsim.sim.params import PRICE_CURRENCY

LANGUAGES = ("en", "zh")
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}  # what a page's language switch shows


def page_language(variable: str) -> str:
    """The language a page opens in: the environment ``variable`` its command's ``--language`` sets, else
    English."""
    import os

    chosen = os.environ.get(variable, "en")
    return chosen if chosen in LANGUAGES else "en"
UNTRANSLATED = "This report has no translation into the language asked for yet; it follows in English."


NAMED_CURRENCIES = ("currency units", "CNY", "USD", "EUR")  # translated by name (zh.po: CNY is 元)


@dataclass(frozen=True)
class Formatter:
    """How one report writes numbers, money, shares and sentences."""

    language: str = "en"
    currency: str = PRICE_CURRENCY

    def __post_init__(self):
        if self.language not in LANGUAGES:
            raise ValueError(f"report language {self.language!r}; available: {', '.join(LANGUAGES)}")

    def t(self, msgid: str, **values) -> str:
        """The sentence ``msgid`` in this report's language, with ``values`` filled in."""
        from commsim.experiments.reports.messages import translate

        text = translate(self.language, msgid)
        return text.format(**values) if values else text

    def date(self, value) -> str:
        """A date for prose: 2004-04-15 in English reports, 2004年4月15日 in Chinese ones; a label
        that is no date (``day 12``) is translated as a phrase."""
        import pandas as pd

        text = str(value)
        if text.startswith("day "):
            return self.t("day {n}", n=text[4:])
        if self.language == "zh":
            d = pd.Timestamp(text)
            return f"{d.year}年{d.month}月{d.day}日"
        return text

    @property
    def na(self) -> str:
        """What a table shows for a number that could not be computed ("n/a")."""
        return self.t("n/a")

    @property
    def money_unit(self) -> str:
        """The currency as a report names it: report.currency (CNY is 元 in a Chinese report)."""
        return self.t(self.currency) if self.currency in NAMED_CURRENCIES else self.currency

    def currency_lines(self) -> list[str]:
        """A sentence for a report whose money is not in the default prices' currency (docs/prices.md)."""
        if self.currency == PRICE_CURRENCY:
            return []
        return [self.t("Money is in {currency}: the default prices are in CNY (docs/prices.md), so every price these "
                       "plans use must be given in {currency} too.", currency=self.money_unit), ""]

    def number(self, x, digits: int = 3, sign: bool = False) -> str:
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return self.na
        text = f"{x:,.0f}" if abs(x) >= 100 else f"{x:.{digits}g}"
        return ("+" + text) if sign and x > 0 else text

    def money(self, x, sign: bool = False) -> str:
        text = self.number(x, sign=sign)
        return text if text == self.na else f"{text} {self.money_unit}"

    def points(self, x) -> str:
        """A difference of shares in percentage points: +1.0 pp (English), +1.0 个百分点 (Chinese)."""
        return self.t("{value} pp", value=f"{100 * x:+.1f}")

    def share(self, x, points: bool = False) -> str:
        """A share as a percentage; a difference of shares (``points``) in percentage points."""
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return self.na
        return self.points(x) if points else f"{x:.1%}"


@dataclass
class Report:
    """A report being written: a title and a list of Markdown blocks."""

    title: str
    language: str = "en"
    currency: str = PRICE_CURRENCY
    blocks: list[str] = field(default_factory=list)
    translated: bool = False  # every sentence goes through t(); else a non-English report says it is in English

    def __post_init__(self):
        self.fmt = Formatter(self.language, self.currency)

    def t(self, msgid: str, **values) -> str:
        return self.fmt.t(msgid, **values)

    # ------------------------------------------------------------------ blocks
    def section(self, heading: str, level: int = 2) -> Report:
        self.blocks.append(f"{'#' * level} {heading}")
        return self

    def paragraph(self, *lines: str) -> Report:
        """One paragraph; several ``lines`` are kept on lines of their own (a Markdown line break)."""
        if lines:
            self.blocks.append("  \n".join(line.rstrip() for line in lines))
        return self

    def bullets(self, items) -> Report:
        items = list(items)
        if items:
            self.blocks.append("\n".join(f"- {item}" for item in items))
        return self

    def table(self, header: list[str], rows) -> Report:
        """A pipe table; cells are written as they are (format them with :attr:`fmt`)."""
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
        self.blocks.append("\n".join(lines))
        return self

    def figure(self, path: str, caption: str, note: bool = True) -> Report:
        """A figure (a path relative to the report's folder) with its caption below it."""
        self.blocks.append(f"![{caption}]({path})")
        if note:
            self.blocks.append(f"*{caption}*")
        return self

    def markdown_block(self, text: str) -> Report:
        """Markdown made elsewhere (e.g. a list of lines a helper wrote), kept as it is."""
        if text.strip():
            self.blocks.append(text.rstrip("\n"))
        return self

    # ------------------------------------------------------------------ output
    @property
    def body_language(self) -> str:
        return self.language if self.translated else "en"

    def markdown(self) -> str:
        note = []
        if self.language != "en" and not self.translated:
            note = [self.t(UNTRANSLATED)]
        return "\n\n".join([f"# {self.title}", *note, *self.blocks]) + "\n"

    def html(self, base: Path) -> str:
        from commsim.experiments.reports.html import to_html

        return to_html(self.markdown(), base, self.title, language=self.body_language)

    def write(self, folder: Path, name: str = "report") -> Path:
        """``<name>.md`` and ``<name>.html`` in ``folder`` (each atomically); returns the Markdown's path."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        text = self.markdown()
        path = folder / f"{name}.md"
        atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        page = self.html(folder)
        atomic_write(folder / f"{name}.html", lambda tmp: tmp.write_text(page, encoding="utf-8"))
        return path
