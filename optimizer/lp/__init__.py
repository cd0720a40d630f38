"""The LP as arrays: one scenario's LP compiled once (template), stamped with every scenario's
numbers into the LP of the scenario tree (assemble), and the positions of each variable and
constraint in it (layout)."""
