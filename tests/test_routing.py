"""data/routes.csv is computed by optimizer/routing.py (sea distances from searoute's shipped network,
chokepoints from the path); these tests keep it so and check the computation against geography."""

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from optimizer import routing
from optimizer.routing import (REGIONS, compute_routes, great_circle_nm, load_parameters, load_ports,
                               main, regions_crossed, routes_csv_text, sea_path, write_routes)

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def computed():
    return {x.route: x for x in compute_routes(DATA)}


@pytest.fixture(scope="module")
def plan():
    return pd.read_csv(DATA / "route_plan.csv", dtype=str, keep_default_na=False).set_index("route")


@pytest.fixture(scope="module")
def ports():
    return load_ports(DATA)


def test_routes_csv_is_the_generated_table():
    """Nobody hand-edits routes.csv: it must equal the generator's output byte for byte
    (regenerate with `python -m optimizer.routing`)."""
    assert (DATA / "routes.csv").read_text(encoding="utf-8") == routes_csv_text(DATA)


def test_check_flag_detects_a_hand_edit(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    assert main(["--data", str(data), "--check"]) == 0
    routes = pd.read_csv(data / "routes.csv", dtype=str, keep_default_na=False)
    routes.loc[0, "transit_days"] = str(int(routes.loc[0, "transit_days"]) + 1)
    routes.to_csv(data / "routes.csv", index=False, lineterminator="\n")
    assert main(["--data", str(data), "--check"]) == 1
    assert routes.loc[0, "route"] in capsys.readouterr().err
    write_routes(data)
    assert main(["--data", str(data), "--check"]) == 0


def test_every_imported_pair_has_a_route_and_ids_name_their_pair(computed):
    shares = pd.read_csv(DATA / "import_shares.csv")
    needed = {(r.commodity, r.supplier, r.member) for r in shares.itertuples() if r.import_share > 0}
    served = {(x.commodity, x.supplier, x.member) for x in computed.values()}
    assert needed <= served
    for x in computed.values():
        assert x.route.startswith(f"{x.commodity}_{x.supplier}_{x.member.lower()}")


def test_every_chokepoint_is_defined():
    assert routing.check_chokepoints(DATA) == []


def test_sea_distance_is_at_least_the_great_circle(computed, plan, ports):
    """A ship cannot beat the great circle through its waypoints; with open sea between the ports
    (Qingdao - Busan, round Korea's south-west corner) it sails close to it."""
    for route, x in computed.items():
        row = plan.loc[route]
        stops = [ports[row.origin].point, *routing._waypoints(row.via), ports[row.destination].point]
        lower = sum(great_circle_nm(a, b) for a, b in zip(stops, stops[1:]))
        if x.mode == "air":
            assert x.distance_nm == pytest.approx(lower)
        else:
            assert x.distance_nm >= lower * 0.999, route
    assert computed["graphite_china_kr"].distance_nm < 1.25 * great_circle_nm(ports["qingdao"].point,
                                                                            ports["busan"].point)


def test_great_circle_by_hand():
    """One degree of a great circle is 60 nm (the nautical mile's definition, to 0.1 %)."""
    assert great_circle_nm((0.0, 0.0), (0.0, 1.0)) == pytest.approx(60.0, rel=1e-3)
    assert great_circle_nm((10.0, 0.0), (100.0, 0.0)) == pytest.approx(90 * 60.0, rel=1e-3)


@pytest.mark.parametrize("origin, destination, published_nm, source", [
    # routes_chokepoints.csv ME-Malacca-Japan: VLCC M.Star, UAE -> Chiba 6,800 nm (enoki.net 2010, read)
    ((52.877467, 25.147513), (140.1, 35.583333), 6800, "UAE (Das Island) - Chiba"),
    # routes_chokepoints.csv Yamal-NSR-Tokyo: 13,700 nm via Suez (MOL via Seatrade Maritime 2020, read);
    # Sabetta at about 71.27 N 72.07 E (assumption: the Yamal LNG port's well-known position)
    ((72.07, 71.27), (140.1, 35.583333), 13700, "Sabetta - Tokyo Bay via Suez"),
])
def test_published_port_to_port_distance_within_ten_percent(origin, destination, published_nm, source):
    assert sea_path(origin, destination).distance_nm == pytest.approx(published_nm, rel=0.10), source


def test_transit_days_and_freight_follow_the_stated_formulas(computed, plan, ports):
    p = load_parameters(DATA)
    x = computed["lng_qatar_kr_malacca"]
    assert x.transit_days == math.ceil(x.distance_nm / (p["lng_speed_knots"] * 24)) + p["lng_port_days"]
    sea_days = x.distance_nm / (p["lng_speed_knots"] * 24)
    cargo = p["lng_cargo_m3"] * p["lng_density_t_per_m3"] * p["lng_fill_share"]
    voyage = (p["lng_charter_usd_per_day"] * (2 * sea_days + p["lng_port_days"])
              + p["lng_fuel_usd_per_sea_day"] * 2 * sea_days + p["lng_port_costs_usd_per_voyage"])
    assert x.freight_usd_per_t == round(voyage / cargo + p["insurance_share_of_value"] * 700)
    y = computed["lng_united_states_jp_panama"]  # a canal adds a day and its tolls
    assert y.transit_days == math.ceil(y.distance_nm / (p["lng_speed_knots"] * 24)) + p["lng_port_days"] + 1
    z = computed["graphite_madagascar_kr_malacca"]
    assert z.transit_days == math.ceil(z.distance_nm / (p["bulk_speed_knots"] * 24)) + p["bulk_port_days"]
    assert z.freight_usd_per_t == round(p["bulk_handling_usd_per_t"] + p["bulk_usd_per_t_per_1000nm"]
                                        * z.distance_nm / 1000 + p["insurance_share_of_value"] * 1610)
    air = computed["gallium_belgium_kr_air"]
    assert air.transit_days == 3 and air.chokepoints == ()


def test_alternatives_avoid_what_they_are_meant_to(computed, plan):
    for route, row in plan.iterrows():
        assert not set(routing._ids(row.must_avoid)) & set(computed[route].chokepoints), route
    for route, x in computed.items():
        cps = set(x.chokepoints)
        if route.endswith("_lombok"):
            assert "lombok" in cps and not cps & {"malacca", "south_china_sea", "taiwan_strait"}, route
        if route.endswith("_malacca"):
            assert {"malacca", "south_china_sea"} <= cps, route
        if route.endswith("_panama"):
            assert "panama" in cps and "cape_of_good_hope" not in cps, route
        if route.endswith("_cape"):
            assert "cape_of_good_hope" in cps and not cps & {"panama", "suez", "south_china_sea"}, route
        if route.endswith("_east"):
            assert not cps & {"south_china_sea", "taiwan_strait", "malacca"}, route
        if route.endswith("_scs"):
            assert "south_china_sea" in cps, route
        if "_qatar_" in route or "_uae_" in route:
            assert "hormuz" in cps, route
        if "_oman_" in route:
            assert "hormuz" not in cps, route  # Qalhat loads outside the strait


def test_a_taiwan_and_scs_closure_leaves_every_sea_supplier_a_route(computed):
    """Closing the SCS and the Taiwan Strait (scenarios/taiwan_strait_disruption.yaml) cuts every
    route of Malaysia's LNG and (light and heavy) rare earths only: every other supplier keeps a
    route to each member (the point of the Lombok, eastern and Cape alternatives)."""
    open_pairs = {(x.commodity, x.supplier, x.member) for x in computed.values()
                  if not {"south_china_sea", "taiwan_strait"} & set(x.chokepoints)}
    all_pairs = {(x.commodity, x.supplier, x.member) for x in computed.values()}
    cut = {(c, k) for c, k, m in all_pairs - open_pairs}
    assert cut == {("lng", "malaysia"), ("rare_earths", "malaysia"), ("heavy_rare_earths", "malaysia")}


def test_korea_and_japan_differ_by_geography_not_a_fixed_day(computed):
    d = {r: x.distance_nm for r, x in computed.items()}
    assert d["lng_qatar_kr_malacca"] < d["lng_qatar_jp_malacca"]  # the Yellow Sea is nearer the Gulf
    assert d["lng_united_states_jp_panama"] < d["lng_united_states_kr_panama"]  # Tokyo is nearer Panama
    assert d["lng_russia_jp"] < d["lng_russia_kr"]  # Sakhalin is nearer Tokyo
    assert d["graphite_china_kr"] < d["graphite_china_jp"]
    gaps = set()
    for route, x in computed.items():
        if x.member == "KR":
            twin = computed.get(route.replace("_kr", "_jp", 1))
            if twin is not None and x.mode != "air":
                gaps.add(twin.transit_days - x.transit_days)
    assert len(gaps) >= 3 and min(gaps) < 0 < max(gaps)
    # Korea-bound ships leave the SCS through the Taiwan Strait, Tokyo-bound ones by the Bashi Channel
    assert "taiwan_strait" in computed["lng_qatar_kr_malacca"].chokepoints
    assert "taiwan_strait" not in computed["lng_qatar_jp_malacca"].chokepoints


@pytest.mark.parametrize("representative, alternatives, origin", [
    ("pyeongtaek", ("incheon", "tongyeong", "samcheok"), "ras_laffan"),
    ("tokyo_bay", ("osaka_bay", "ise_bay"), "ras_laffan"),
    ("dampier", ("gladstone", "darwin"), "tokyo_bay"),
])
def test_representative_ports_sit_within_their_alternatives(ports, representative, alternatives, origin):
    """The representative terminal's distance lies within one sailing day (17 kn) of the others'
    range, so the choice of terminal moves transit by a day at most."""
    a = ports[origin].point
    rep = sea_path(a, ports[representative].point).distance_nm
    others = [sea_path(a, ports[x].point).distance_nm for x in alternatives]
    day = load_parameters(DATA)["lng_speed_knots"] * 24
    assert min(others) - day <= rep <= max(others) + day


@pytest.mark.parametrize("point, inside", [
    ((114.0, 12.0), {"south_china_sea"}),   # Spratly area
    ((121.3, 20.5), {"south_china_sea"}),   # Bashi Channel / Luzon Strait
    ((119.6, 24.3), {"taiwan_strait"}),
    ((115.7, -8.7), {"lombok"}),            # Lombok Strait
    ((118.3, -2.0), {"lombok"}),            # Makassar Strait
    ((130.0, 20.0), set()),                 # Philippine Sea
    ((122.5, 23.5), set()),                 # east of Taiwan
    ((125.0, 30.0), set()),                 # East China Sea
    ((120.0, 8.4), set()),                  # Sulu Sea
    ((110.0, -5.0), set()),                 # Java Sea
    ((123.0, 36.0), set()),                 # Yellow Sea
])
def test_chokepoint_regions(point, inside):
    assert regions_crossed([point]) == inside
    assert set(REGIONS) == {"south_china_sea", "taiwan_strait", "lombok"}
