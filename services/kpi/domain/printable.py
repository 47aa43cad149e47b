"""The quarterly deviation report as a printable page (plain HTML; the browser prints it)."""
from __future__ import annotations

from html import escape

from services.kpi.domain.definitions import RuleSet
from services.kpi.domain.table import Table


def quarterly_html(quarter: str, t: Table, rules: RuleSet, suppress_below: int) -> str:
    head = "".join(f"<th>{escape(r.title_sv)}<br><small>{escape(r.title_en)}</small></th>" for r in rules.rules)
    body = []
    for row in t.rows(suppress_below):
        cells = "".join(f"<td>{_cell(row[r.id], suppress_below)}</td>" for r in rules.rules)
        body.append(f"<tr><th>{escape(str(row['unit']))}</th>{cells}<td>{_cell(row['total'], suppress_below)}</td></tr>")
    rows = "\n".join(body) or f'<tr><td colspan="{len(rules.rules) + 2}">Inga avvikelser / No deviations</td></tr>'
    return f"""<!doctype html>
<html lang="sv"><head><meta charset="utf-8">
<title>Avvikelser {escape(quarter)} — två vårdnivåer</title>
<style>
body {{ font: 12px/1.4 system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }} th, td {{ border: 1px solid #999; padding: 4px 6px; text-align: right; }}
th {{ background: #eef; vertical-align: bottom; }} tbody th {{ text-align: left; }}
@page {{ size: A4 landscape; margin: 12mm; }}
</style></head><body>
<h1>Avvikelser vård på två vårdnivåer, {escape(quarter)}</h1>
<p>Deviations in stepwise and two-level care, per unit and rule, for the primary care–BUP steering group.
Regelverk / rules version {escape(rules.version)}. Celler med färre än {suppress_below} barn visas som
&lt;{suppress_below} / cells with fewer than {suppress_below} children are suppressed.</p>
<table><thead><tr><th>Enhet / Unit</th>{head}<th>Totalt / Total</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""


def _cell(value: object, suppress_below: int) -> str:
    return f"&lt;{suppress_below}" if value is None else str(value)
