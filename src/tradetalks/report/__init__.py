"""Reports: the charts of a result and one self-contained HTML page that works offline.

>>> import tradetalks as tt
>>> from tradetalks.report import figures, write_report
>>> run = tt.run("us-100", fallout=True)                    # doctest: +SKIP
>>> [c.key for c in figures(run)]                           # doctest: +SKIP
['welfare', 'headline', 'bilateral', 'sectors', 'allies']
>>> write_report(run, "us-100-report.html")                 # doctest: +SKIP

:func:`figures` gives the charts (each with a title, a one-line reading aid and a plotly
figure) of a scenario run (:func:`tradetalks.run`), a deal space (:func:`tradetalks.deals`) or a
bundle of either (:func:`tradetalks.api.bundle.load_bundle`); :func:`to_html` the page, plotly's
script inlined once; :func:`write_report` writes it atomically. docs/report.md has every chart.
"""

from tradetalks.report.charts import Chart, figures, omitted
from tradetalks.report.data import ReportData, report_data
from tradetalks.report.html import to_html, write_report

__all__ = ["Chart", "ReportData", "figures", "omitted", "report_data", "to_html", "write_report"]
