"""Detection: from positions, particulars and contacts to ranked events, distress first.

A detector is a function from tables to a table of events (`events.EVENTS`), written
with Polars expressions over whole tables, never a Python loop per position. Per-vessel
detectors take the positions of a set of vessels, sorted by vessel and time; that
contract is what lets the same functions run per partition on Apache Spark
(`applyInArrow` grouped by vessel) when an archive outgrows one node.

Entry points: `engine.detect` (batch), `thresholds.Thresholds` (every threshold, a
setting), `events.EVENTS` (the table), `evaluate.evaluate` (scores against truth). This
package's `__init__` imports nothing, so reading the settings stays light.
"""
