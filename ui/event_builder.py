"""The 'Add an event' panel of the Scenarios page: one tab per event type, plain widgets (not a
form) so that pick lists follow each other (a commodity's suppliers)."""

from __future__ import annotations

import streamlit as st

from optimizer import Case, planner
from ui import state

NEW = "(a new scenario)"


def render(draft: planner.ScenarioDraft, case: Case) -> None:
    scenario, probability = _target(draft)
    # Keyed tabs that track which one is open: an event added from the third tab leaves it open
    # (plain tabs go back to the first on the rerun that shows the new event).
    ban, closure, shock, price = st.tabs(["Export ban", "Chokepoint closure", "Demand shock", "Price shock"],
                                         key="event_type", on_change="rerun")
    with ban:
        _add(draft, scenario, probability, "add_ban", "Add export ban", _export_ban(case))
    with closure:
        _add(draft, scenario, probability, "add_closure", "Add chokepoint closure", _closure(case))
    with shock:
        _add(draft, scenario, probability, "add_demand_shock", "Add demand shock", _demand_shock(case))
    with price:
        _add(draft, scenario, probability, "add_price_shock", "Add price shock", _price_shock(case))


def _target(draft: planner.ScenarioDraft) -> tuple[str, float | None]:
    """Which scenario gets the event; a new one needs a name and a probability."""
    names = [str(n) for n in draft.scenarios["name"]]
    left, middle, right = st.columns([2, 2, 1])
    choice = left.selectbox("Add to scenario", names + [NEW], key="ev_scenario")
    if choice != NEW:
        return choice, None
    name = middle.text_input("New scenario's name", "scenario_2", key="ev_new_name")
    probability = right.number_input("Its probability", 0.0, 1.0, 0.1, 0.01, key="ev_new_probability")
    return name.strip(), probability


def _add(draft, scenario: str, probability: float | None, key: str, label: str, event: dict) -> None:
    if st.button(label, key=key, type="primary", icon=":material/add:"):
        if probability is not None:
            draft = planner.add_scenario(draft, scenario, probability)
        state.apply_draft_edit(planner.add_event(draft, scenario, event))
        st.rerun()


def _months(prefix: str, duration: int) -> dict:
    left, middle, right = st.columns(3)
    start = left.number_input("Start month (1 = first month)", 1, 600, 1, key=f"{prefix}_start")
    length = middle.number_input("Duration (months)", 1, 600, duration, key=f"{prefix}_duration")
    warning = right.number_input("Warning (months before the start)", 0, 599, 0, key=f"{prefix}_warning",
                                 help="0: a surprise, known only when it starts. Up to start month - 1: the "
                                      "plan may prepare from the announcement on, in this scenario only.")
    timing = {"start_month": int(start), "duration_months": int(length)}
    return timing | ({"warning_months": int(warning)} if warning else {})


def _members(case: Case, prefix: str, label: str) -> dict:
    chosen = st.multiselect(label, case.members, default=case.members, key=f"{prefix}_members")
    return {"members": list(chosen)} if chosen and set(chosen) != set(case.members) else {}


def _export_ban(case: Case) -> dict:
    left, right = st.columns(2)
    commodity = left.selectbox("Commodity", case.commodities, key="ban_commodity")
    suppliers = case.suppliers(commodity)
    supplier = right.selectbox("Supplier", suppliers, index=suppliers.index("china") if "china" in suppliers
                               else 0, key=f"ban_supplier_{commodity}")
    event = {"type": "export_ban", "commodity": commodity, "supplier": supplier}
    event |= _members(case, "ban", "Targeted members (all if none)")
    event |= _months("ban", 12)
    event["severity"] = st.slider("Severity: share of the supplier's normal exports to the targeted members "
                                  "withheld", 0.05, 1.0, 1.0, 0.05, key="ban_severity")
    return event


def _closure(case: Case) -> dict:
    chokepoint = st.selectbox("Chokepoint", case.chokepoints, key="close_chokepoint")
    return {"type": "chokepoint_closure", "chokepoint": chokepoint} | _months("close", 3)


def _demand_shock(case: Case) -> dict:
    commodity = st.selectbox("Commodity", case.commodities, key="shock_commodity")
    event = {"type": "demand_shock", "commodity": commodity} | _members(case, "shock", "Members (all if none)")
    event |= _months("shock", 6)
    event["change"] = st.number_input("Change of monthly demand (0.2 = +20 %)", -0.95, 10.0, 0.2, 0.05,
                                      key="shock_change")
    return event


def _price_shock(case: Case) -> dict:
    commodity = st.selectbox("Commodity", case.commodities, key="price_commodity")
    chosen = st.multiselect("Suppliers (all if none)", case.suppliers(commodity), key=f"price_suppliers_{commodity}")
    event = {"type": "price_shock", "commodity": commodity} | ({"suppliers": chosen} if chosen else {})
    event |= _months("price", 6)
    event["multiplier"] = st.number_input("Price multiplier", 0.1, 20.0, 2.0, 0.1, key="price_multiplier")
    return event
