"""Build tiny cases and scenario sets from Python values, for hand-worked tests."""

from __future__ import annotations

import pandas as pd

from optimizer import case_from_tables, scenario_set_from_dict

SRC = "assumption: test fixture"


def tiny_case(*, members=("KR",), unit="kt", ref_price=1000.0, demand=None, suppliers=None,
              shares=None, routes=None, chokepoints=(), stock=None, holding=0.12, capex=0.0,
              release=1.0, handling=0.0, restraint=(0.0, 0.0), penalty=10_000.0, transfers=(), swaps=(),
              sharing=0.05, release_lead=0, domestic=()):
    """One commodity 'x' in kt, money in M USD. Defaults: 12,000 t/yr demand per member
    (1 kt/month), one supplier 'a' at 1000 USD/t (1 M$/kt) with ample capacity, one route per
    member with no chokepoint and lead 0, no stock, holding 12 %/yr of 1000 USD/t
    (0.01 M$/kt-month), no capital or handling cost, stock released the month it is decided,
    penalty 10,000 USD/t (10 M$/kt), a member's shortfall above the common share charged 5 % of
    the penalty in joint plans, no domestic supply (domestic: (member, t/yr, USD/t) rows)."""
    demand = demand or {m: 12_000.0 for m in members}
    suppliers = suppliers or [("a", 1000.0, 1e9)]
    shares = shares or [(m, suppliers[0][0], 1.0) for m in members]
    routes = routes or [(f"r_{k}_{m}", k, m, 0, 0.0, "") for k, *_ in suppliers for m in members]
    stock = stock or {m: (0.0, 0.0, 0.0) for m in members}
    t = {
        "members": [dict(member=m, name=m, stockpile_agency="x", source=SRC) for m in members],
        "commodities": [dict(commodity="x", name="x", model_unit=unit,
                             reference_price_usd_per_t=ref_price, source=SRC)],
        "demand": [dict(member=m, commodity="x", demand_t_per_year=d, source=SRC) for m, d in demand.items()],
        "suppliers": [dict(commodity="x", supplier=k, price_usd_per_t=p, export_capacity_t_per_year=cap,
                           source=SRC) for k, p, cap in suppliers],
        "import_shares": [dict(member=m, commodity="x", supplier=k, import_share=s, source=SRC)
                          for m, k, s in shares],
        "chokepoints": [dict(chokepoint=c, name=c, source=SRC) for c in chokepoints],
        "routes": [dict(route=r, commodity="x", supplier=k, member=m, transit_days=d,
                        freight_usd_per_t=f, chokepoints=cp, source=SRC) for r, k, m, d, f, cp in routes],
        "stockpiles": [dict(member=m, commodity="x", current_stock_t=cs, existing_capacity_t=cap,
                            target_days=td, source=SRC) for m, (cs, cap, td) in stock.items()],
        "stockpile_costs": [dict(commodity="x", holding_cost_share_per_year=holding,
                                 capacity_cost_usd_per_t_year=capex, release_max_share_per_month=release,
                                 release_lead_days=release_lead, handling_cost_usd_per_t=handling, source=SRC)],
        "demand_response": [dict(commodity="x", restraint_max_share=restraint[0],
                                 restraint_cost_usd_per_t=restraint[1], shortfall_penalty_usd_per_t=penalty,
                                 sharing_penalty_share=sharing, source=SRC)],
        "domestic_supply": [dict(member=m, commodity="x", supply_t_per_year=q, cost_usd_per_t=c, source=SRC)
                            for m, q, c in domestic],
        "transfers": [dict(commodity="x", from_member=i, to_member=j, lag_months=lag, max_t_per_month=mx,
                           cost_usd_per_t=cost, source=SRC) for i, j, lag, mx, cost in transfers],
        "swaps": [dict(commodity="x", lender=i, borrower=j, payback_months=pb, max_t_per_month=mx,
                       fee_usd_per_t=fee, source=SRC) for i, j, pb, mx, fee in swaps],
    }
    columns = {"transfers": ["commodity", "from_member", "to_member", "lag_months", "max_t_per_month",
                             "cost_usd_per_t", "source"],
               "domestic_supply": ["member", "commodity", "supply_t_per_year", "cost_usd_per_t", "source"],
               "chokepoints": ["chokepoint", "name", "source"],
               "swaps": ["commodity", "lender", "borrower", "payback_months", "max_t_per_month",
                         "fee_usd_per_t", "source"]}
    tables = {name: pd.DataFrame(rows, columns=columns.get(name)) for name, rows in t.items()}
    return case_from_tables(tables, origin="test fixture")


def scenarios(case, *entries, horizon=12):
    """entries: (name, probability, [event dicts]). Returns a validated ScenarioSet."""
    data = {"name": "fixture", "title": "fixture", "horizon_months": horizon,
            "scenarios": [{"name": n, "probability": p, "events": list(ev)} for n, p, ev in entries]}
    return scenario_set_from_dict(data, case, file="fixture.yaml")


def ban(start, duration, severity=1.0, supplier="a", members=None):
    event = dict(type="export_ban", commodity="x", supplier=supplier, start_month=start,
                 duration_months=duration, severity=severity)
    if members:
        event["members"] = list(members)
    return event
