"""The log's figures for /metrics, read from the database when scraped (a custom collector):
the same in every worker, since the database is shared, so gauges and not summed counts.

- ``gongshi_log_size``: leaves in the transparency log;
- ``gongshi_checkpoint_size{kind}`` and ``gongshi_checkpoint_age_seconds{kind}``: the newest
  checkpoint ``signed`` (witnessed or not) and ``witnessed`` (its cosignatures satisfy the
  policy), absent until there is one;
- ``gongshi_projection_lag{projection}``: log records a projection has not applied yet;
- ``gongshi_witness_state{witness,state}``: 1 for each witness's current state, 0 for the
  others; ``gongshi_witness_cosigned_size{witness}``: the largest checkpoint size its
  cosignature is stored for (-1: none).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from api.services import Services
from ledger.clock import parse_at
from ledger.log.checkpoints import latest, latest_witnessed
from ledger.log.witness_status import STATES, witness_status


class LedgerFigures:
    """A collector over ``Services``: each scrape reads the log, the checkpoints, the
    projections' positions and the witnesses' states (the app's clock for the ages)."""

    def __init__(self, s: Services) -> None:
        self.s = s

    def collect(self) -> Iterator[Metric]:
        s = self.s
        size = s.ledger.log.state().size
        yield GaugeMetricFamily("gongshi_log_size", "leaves in the transparency log", value=size)
        sizes = GaugeMetricFamily(
            "gongshi_checkpoint_size", "tree size of the newest checkpoint, by kind (signed:"
            " witnessed or not; witnessed: its cosignatures satisfy the policy)", labels=["kind"],
        )  # fmt: skip
        ages = GaugeMetricFamily(
            "gongshi_checkpoint_age_seconds", "seconds since the newest checkpoint of the kind"
            " was signed", labels=["kind"],
        )  # fmt: skip
        now = s.ledger.clock()
        for kind, found in (("signed", latest(s.ledger.log)),
                            ("witnessed", latest_witnessed(s.ledger.log))):  # fmt: skip
            if found is not None:
                sizes.add_metric([kind], found.checkpoint.size)
                ages.add_metric([kind], round((now - parse_at(found.signed_at)).total_seconds(), 3))
        yield sizes
        yield ages
        lag = GaugeMetricFamily(
            "gongshi_projection_lag", "log records a projection has not applied yet",
            labels=["projection"],
        )  # fmt: skip
        for runner in sorted(s.projections.select(), key=lambda r: r.projection.name):
            lag.add_metric([runner.projection.name], max(0, size - runner.position()))
        yield lag
        yield from self._witnesses()

    def _witnesses(self) -> Iterator[Metric]:
        statuses = witness_status(self.s.ledger.log, self.s.log_policy())
        state = GaugeMetricFamily(
            "gongshi_witness_state", "1 for each witness's current state (cosigning, refused,"
            " unreachable, unknown), 0 for the others", labels=["witness", "state"],
        )  # fmt: skip
        cosigned = GaugeMetricFamily(
            "gongshi_witness_cosigned_size", "largest checkpoint size the witness's"
            " cosignature is stored for (-1: none)", labels=["witness"],
        )  # fmt: skip
        for st in statuses:
            for name in STATES:
                state.add_metric([st.name, name], int(st.state == name))
            size = -1 if st.cosigned_size is None else st.cosigned_size
            cosigned.add_metric([st.name], size)
        yield state
        yield cosigned
