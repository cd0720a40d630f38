"""Pinned optimum of every shipped scenario set on the shipped data (default 24-month horizon).

Each entry: joint objective (M USD), independent cost (M USD, sum of the members alone),
joint LP variables, joint LP constraints. The test compares at a relative 1e-6.

Never regenerate these from the code under test. When a change of data, scenario or model moves
a value on purpose, edit the number by hand and add a dated line to the change log below saying
which entries moved and why.

Change log:
- 2026-11-23: first pinned values (data from shared/reference, events from month 1, committed
  holding charge, money in k$, rare earths in t).
"""

PINNED = {
    "baseline": (174707.06403699316, 174860.652970766, 3284, 1797),
    "combined_worst_case": (192271.51905410513, 192700.53212595667, 3284, 1821),
    "gallium_germanium_ban": (174969.2040778837, 175120.05188207515, 3284, 1797),
    "graphite_licensing": (174734.1534899932, 174890.60397224827, 3284, 1797),
    "heavy_rare_earth_2025": (175118.9160407933, 175272.50850249245, 3284, 1797),
    "hormuz_closure": (189357.09307692345, 189526.47440446127, 3284, 1797),
    "korea_graphite_67pct": (174761.49038999324, 174921.705874231, 3284, 1797),
    "rare_earth_japan_2010": (174721.38838092037, 174910.39937655118, 3284, 1821),
    "stochastic": (176766.7481152841, 176929.9101970952, 26132, 14354),
    "taiwan_strait_disruption": (176385.60294992354, 176525.410004848, 3284, 1797),
}
