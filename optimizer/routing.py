"""Shipping routes computed from port coordinates: data/routes.csv is generated, not typed.

Inputs (all in the data folder, none of them loaded by the model itself):

- ``ports.csv``: one row per port or airport (id, name, country, lon, lat, role, source).
- ``route_plan.csv``: one row per route: commodity, supplier, member, mode (``sea``, ``air`` or
  ``rail_sea``), origin and destination port ids, the searoute passages the route must avoid
  (``avoid``), waypoints it must pass (``via``, "lon lat" pairs), the chokepoints it is meant to
  avoid (``must_avoid``, checked against the computed path), an inland rail leg before the sea
  leg (``inland_km``) and the reason for the row (``source``).
- ``shipping.csv``: speeds, port days and freight parameters, each with its source.
- ``suppliers.csv``: the supplier's price, for the insurance share of freight.

For a sea route the distance is the shortest path on the maritime network shipped with the
``searoute`` package (1.6.0; no network access needed), from the origin port to the destination
port through every waypoint, in nautical miles. The chokepoints it passes are derived from that
path: Hormuz, Malacca, Sunda, Panama, Suez, Bab el-Mandeb and the Cape of Good Hope from the
passages searoute reports it traversed; the South China Sea, the Taiwan Strait and the
Lombok/Makassar straits (which searoute does not name) from the path crossing the polygons in
``REGIONS``. Air routes fly the great circle; the ``rail_sea`` route adds a rail leg.

Alternatives are made by avoiding passages, and checked: a route whose path crosses a chokepoint
its ``must_avoid`` names is an error. searoute's network has no Korea-bound path through the
Lombok/Makassar straits that stays out of the SCS: avoiding Malacca and Sunda, its shortest path
to Korea runs Makassar - Sulu Sea - Mindoro Strait - SCS - Taiwan Strait (Japan-bound paths do go
east of the Philippines). Such routes therefore pass a waypoint east of Mindanao (127E 8N, a node
of the network), after which the shortest path to Korea runs east of Taiwan.

transit_days = ceil(distance / (speed x 24)) + port days (+ canal days per canal; + rail days).
freight_usd_per_t:
- LNG: one carrier round trip (laden out, ballast back on the same route): charter for every day
  of it + fuel for every sea day + port costs + canal tolls laden and ballast, divided by the
  cargo (capacity x density x fill); plus insurance as a share of the supplier's price.
- minerals by sea: handling per tonne + a rate per tonne per 1,000 nm + insurance.
- air: handling per tonne + a rate per tonne per 1,000 nm of great circle + insurance.
- rail_sea: the sea freight plus a rail rate per tonne-km.

Regenerate with ``python -m optimizer.routing [--data DIR]``; ``--check`` exits 1 when
routes.csv differs from what would be generated.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1] / "data"
ROUTE_COLUMNS = ("route", "commodity", "supplier", "member", "transit_days", "freight_usd_per_t",
                 "chokepoints", "source")
MODES = ("sea", "air", "rail_sea")
EARTH_RADIUS_NM = 3440.065  # mean Earth radius (6,371.0 km) in nautical miles
SEAROUTE_VERSION = "1.6.0"

# searoute passage -> chokepoint id (data/chokepoints.csv). A path through a passage not listed
# here is an error, so that a new passage is never dropped silently.
PASSAGE_CHOKEPOINTS = {
    "ormuz": "hormuz",
    "malacca": "malacca",
    "sunda": "sunda",
    "panama": "panama",
    "suez": "suez",
    "babalmandab": "bab_el_mandeb",
    "south_africa": "cape_of_good_hope",
}
# Passages every route avoids: the Northwest Passage is ice-bound (searoute's own default).
ALWAYS_AVOID = ("northwest",)
CANALS = ("panama", "suez")  # passages that add canal days and, for LNG, tolls

# Chokepoints searoute does not name, as polygons (lon, lat) a path must cross to pass them.
# Sources: the South China Sea follows the limits of the IHO "Limits of Oceans and Seas" S-23
# (3rd ed., 1953), simplified (Singapore Strait east end, south of Bangka/Belitung to Borneo,
# Borneo's north point, Balabac Strait, Palawan, Mindoro, Luzon's west coast), closed in the
# north-east by the Luzon Strait line Cape Engano - Y'Ami Island - Eluanbi (so the Bashi/Luzon
# exit counts as the SCS, as chokepoints.csv defines it) and in the north by the line Eluanbi -
# Nan'ao Island, north of which the IHO's SCS is counted as the Taiwan Strait. The Taiwan Strait
# runs from that line to the IHO's SCS/East China Sea limit (Fuguijiao, Taiwan's north point -
# Haitan/Niushan, Fujian), its east side along Taiwan's central range so that paths along
# Taiwan's east coast stay outside. Lombok is the Lombok Strait between Bali and Lombok plus the
# Makassar Strait between Borneo and Sulawesi (chokepoints.csv: the deep-water bypass of
# Malacca). Vertices are rounded coordinates of the named capes and islands (assumption: read
# off standard charts to ~0.1 degree; a path is tested every 0.1 degree along each segment).
REGIONS: dict[str, tuple[tuple[tuple[float, float], ...], ...]] = {
    "south_china_sea": ((
        (103.5, 1.35),   # Johor, east end of the Singapore Strait
        (104.5, 1.2),    # Bintan north coast
        (105.0, -2.0),   # Bangka north
        (106.0, -3.1),   # south of Bangka (Bangka Strait)
        (107.8, -3.3),   # south of Belitung (Gaspar/Karimata)
        (110.1, -3.0),   # Tanjung Sambar, south-west Borneo
        (116.8, 7.0),    # Tanjung Sampanmangio, Borneo's north point (line runs inland)
        (117.2, 8.3),    # Balabac Strait / Palawan south-west point
        (119.6, 11.4),   # Palawan north (Busuanga)
        (121.0, 12.2),   # Mindoro south point (Ilin Island)
        (120.45, 13.5),  # Cape Calavite, Mindoro north-west
        (120.6, 13.9),   # Calatagan, Luzon south-west
        (120.55, 18.5),  # Cape Bojeador, Luzon north-west
        (122.2, 18.5),   # Cape Engano, Luzon north-east
        (122.0, 21.1),   # Y'Ami Island, Batanes
        (120.85, 21.9),  # Eluanbi, Taiwan's south point
        (117.1, 23.4),   # Nan'ao Island, Guangdong/Fujian coast
        (113.5, 22.2),   # Pearl River mouth
        (108.0, 21.6),   # Gulf of Tonkin head
        (106.5, 18.0),   # Vietnam coast (line runs inland)
        (109.3, 12.0),   # Vietnam coast, Cam Ranh
        (104.7, 8.6),    # Cape Ca Mau
        (102.2, 6.1),    # Kota Bharu (Gulf of Thailand limit)
    ),),
    "taiwan_strait": ((
        (117.1, 23.4),   # Nan'ao Island
        (120.85, 21.9),  # Eluanbi
        (121.0, 23.0),   # Taiwan's central range
        (121.4, 24.5),
        (121.55, 25.3),  # Fuguijiao, Taiwan's north point
        (119.9, 25.45),  # Haitan/Niushan, Fujian
        (118.0, 24.4),   # Xiamen
    ),),
    "lombok": (
        ((115.3, -9.3), (116.3, -9.3), (116.3, -8.0), (115.3, -8.0)),   # Lombok Strait
        ((116.3, -4.5), (119.9, -4.5), (119.9, 1.5), (116.3, 1.5)),     # Makassar Strait
    ),
}
_STEP_DEG = 0.1


# ---------------------------------------------------------------------------------- geometry

def _lon180(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0


def _inside(x: float, y: float, polygon: tuple[tuple[float, float], ...]) -> bool:
    """Ray casting: is (x, y) inside the polygon?"""
    hit = False
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def _dense(path: list[tuple[float, float]]):
    """The path's points, every _STEP_DEG degrees along each segment."""
    for (x1, y1), (x2, y2) in zip(path, path[1:]):
        steps = max(1, math.ceil(max(abs(x2 - x1), abs(y2 - y1)) / _STEP_DEG))
        for k in range(steps):
            t = k / steps
            yield _lon180(x1 + t * (x2 - x1)), y1 + t * (y2 - y1)
    if path:
        yield _lon180(path[-1][0]), path[-1][1]


def regions_crossed(path: list[tuple[float, float]]) -> set[str]:
    """The REGIONS chokepoints a path (lon, lat points) passes through."""
    found = set()
    for x, y in _dense(path):
        for name, polygons in REGIONS.items():
            if name not in found and any(_inside(x, y, poly) for poly in polygons):
                found.add(name)
    return found


def great_circle_nm(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine) between two (lon, lat) points, in nautical miles."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_NM * math.asin(math.sqrt(h))


# -------------------------------------------------------------------------------- sea paths

@dataclass(frozen=True)
class SeaPath:
    distance_nm: float
    passages: tuple[str, ...]  # searoute passages traversed, sorted
    points: tuple[tuple[float, float], ...]
    regions: tuple[str, ...] = field(default=())  # REGIONS crossed, sorted

    @property
    def chokepoints(self) -> tuple[str, ...]:
        unknown = [p for p in self.passages if p not in PASSAGE_CHOKEPOINTS]
        if unknown:
            raise ValueError(f"searoute passage(s) {unknown} have no chokepoint id in PASSAGE_CHOKEPOINTS")
        return tuple(sorted({PASSAGE_CHOKEPOINTS[p] for p in self.passages} | set(self.regions)))

    @property
    def canals(self) -> tuple[str, ...]:
        return tuple(p for p in self.passages if p in CANALS)


_PATHS: dict[tuple, SeaPath] = {}


def _searoute():
    """The searoute module, at the pinned version (another version's network gives other
    distances, and routes.csv would no longer match). Imported here: the model does not need it."""
    from importlib import metadata

    try:
        import searoute
        found = metadata.version("searoute")
    except (ImportError, metadata.PackageNotFoundError) as exc:
        raise ImportError(f"optimizer.routing needs searoute=={SEAROUTE_VERSION}"
                          f" (pip install searoute=={SEAROUTE_VERSION})") from exc
    if found != SEAROUTE_VERSION:
        raise ImportError(f"optimizer.routing needs searoute=={SEAROUTE_VERSION}, found {found}")
    return searoute


def sea_path(origin: tuple[float, float], destination: tuple[float, float],
             avoid: tuple[str, ...] = (), via: tuple[tuple[float, float], ...] = ()) -> SeaPath:
    """Shortest sea path origin -> each waypoint -> destination on searoute's network, avoiding
    the given searoute passages (plus ALWAYS_AVOID). Port-to-network legs are straight lines
    (searoute's append_orig_dest), counted in the distance."""
    key = (origin, destination, tuple(avoid), tuple(via))
    if key not in _PATHS:
        searoute = _searoute()
        restrictions = sorted(set(ALWAYS_AVOID) | set(avoid))
        stops = [origin, *via, destination]
        distance, passages, points = 0.0, set(), []
        for a, b in zip(stops, stops[1:]):
            leg = searoute.searoute(list(a), list(b), units="naut", restrictions=restrictions,
                                    return_passages=True, append_orig_dest=True)
            length = float(leg.properties["length"])
            if not math.isfinite(length) or not leg.geometry.coordinates:
                raise ValueError(f"searoute found no path {a} -> {b} avoiding {restrictions}")
            distance += length
            passages |= set(leg.properties.get("traversed_passages") or ())
            coords = [(float(x), float(y)) for x, y in leg.geometry.coordinates]
            points.extend(coords if not points else coords[1:])
        blocked = passages & set(restrictions)
        if blocked:
            raise ValueError(f"path {origin} -> {destination} passes restricted passage(s) {sorted(blocked)}")
        _PATHS[key] = SeaPath(distance, tuple(sorted(passages)), tuple(points),
                              tuple(sorted(regions_crossed(points))))
    return _PATHS[key]


# ------------------------------------------------------------------------------- the tables

def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _short(source: str) -> str:
    """A source's citation: the text before its first ';' outside parentheses."""
    depth = 0
    for i, ch in enumerate(source):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == ";" and depth <= 0:
            return source[:i].strip()
    return source.strip()


def _ids(cell: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in cell.split(";") if x.strip())


def _waypoints(cell: str) -> tuple[tuple[float, float], ...]:
    out = []
    for item in _ids(cell):
        lon, lat = item.split()
        out.append((float(lon), float(lat)))
    return tuple(out)


@dataclass(frozen=True)
class Parameters:
    values: dict[str, float]
    references: dict[str, str]  # the short citation; shipping.csv's source column has the detail

    def __getitem__(self, name: str) -> float:
        if name not in self.values:
            raise KeyError(f"shipping.csv has no parameter {name!r}")
        return self.values[name]

    def cite(self, *names: str) -> str:
        return ", ".join(f"{n} {_fmt(self[n])} ({self.references[n]})" for n in names)


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:g}"


def load_parameters(data_dir: str | Path) -> Parameters:
    df = _read(Path(data_dir) / "shipping.csv")
    return Parameters({r.parameter: float(r.value) for r in df.itertuples()},
                      {r.parameter: r.reference for r in df.itertuples()})


@dataclass(frozen=True)
class Port:
    port: str
    name: str
    lon: float
    lat: float
    source: str

    @property
    def point(self) -> tuple[float, float]:
        return (self.lon, self.lat)


def load_ports(data_dir: str | Path) -> dict[str, Port]:
    df = _read(Path(data_dir) / "ports.csv")
    return {r.port: Port(r.port, r.name, float(r.lon), float(r.lat), r.source) for r in df.itertuples()}


@dataclass(frozen=True)
class RouteResult:
    """One computed route: the routes.csv row plus what it was computed from."""

    route: str
    commodity: str
    supplier: str
    member: str
    mode: str
    distance_nm: float
    transit_days: int
    freight_usd_per_t: int
    chokepoints: tuple[str, ...]
    passages: tuple[str, ...]
    source: str

    def row(self) -> dict[str, object]:
        return {"route": self.route, "commodity": self.commodity, "supplier": self.supplier,
                "member": self.member, "transit_days": self.transit_days,
                "freight_usd_per_t": self.freight_usd_per_t, "chokepoints": ";".join(self.chokepoints),
                "source": self.source}


def _lng_freight(sea_days: float, canals: tuple[str, ...], price: float, p: Parameters) -> tuple[float, str]:
    """USD per tonne delivered for one LNG carrier round trip, and how it was computed."""
    cargo_t = p["lng_cargo_m3"] * p["lng_density_t_per_m3"] * p["lng_fill_share"]
    days = 2 * sea_days + p["lng_port_days"] + 2 * p["canal_days"] * len(canals)
    tolls = sum(p[f"{c}_toll_laden_usd"] + p[f"{c}_toll_ballast_usd"] for c in canals)
    voyage = (p["lng_charter_usd_per_day"] * days + p["lng_fuel_usd_per_sea_day"] * 2 * sea_days
              + p["lng_port_costs_usd_per_voyage"] + tolls)
    usd_per_t = voyage / cargo_t + p["insurance_share_of_value"] * price
    how = (f"freight = one round trip [charter {_fmt(p['lng_charter_usd_per_day'])} USD/day x {days:.1f} days"
           f" + fuel {_fmt(p['lng_fuel_usd_per_sea_day'])} USD/sea day x {2 * sea_days:.1f}"
           f" + port {_fmt(p['lng_port_costs_usd_per_voyage'])} USD"
           + (f" + {'/'.join(canals)} tolls {_fmt(tolls)} USD" if canals else "")
           + f"] / {_fmt(cargo_t)} t cargo + {p['insurance_share_of_value']:.1%} of {_fmt(price)} USD/t"
           f" = {usd_per_t:.1f} USD/t ({usd_per_t / p['mmbtu_per_t']:.2f} USD/MMBtu)")
    return usd_per_t, how


_LNG_PARAMETERS = ("lng_speed_knots", "lng_port_days", "canal_days", "lng_charter_usd_per_day",
                   "lng_fuel_usd_per_sea_day", "lng_port_costs_usd_per_voyage", "lng_cargo_m3",
                   "lng_density_t_per_m3", "lng_fill_share", "mmbtu_per_t", "insurance_share_of_value")
_BULK_PARAMETERS = ("bulk_speed_knots", "bulk_port_days", "canal_days", "bulk_handling_usd_per_t",
                    "bulk_usd_per_t_per_1000nm", "insurance_share_of_value")
_RAIL_PARAMETERS = ("rail_km_per_day", "rail_transfer_days", "rail_usd_per_t_km")
_AIR_PARAMETERS = ("air_speed_knots", "air_handling_days", "air_usd_per_t_per_1000nm", "air_handling_usd_per_t",
                   "insurance_share_of_value")


def _air(o: Port, d: Port, price: float, p: Parameters) -> tuple[float, int, float, str]:
    """Distance, transit days, freight and the computation's text for an air route."""
    dist = great_circle_nm(o.point, d.point)
    days = math.ceil(dist / (p["air_speed_knots"] * 24)) + int(p["air_handling_days"])
    usd = (p["air_handling_usd_per_t"] + p["air_usd_per_t_per_1000nm"] * dist / 1000
           + p["insurance_share_of_value"] * price)
    text = (f"air: great-circle {dist:,.0f} nm {o.name} -> {d.name}; transit = ceil({dist:,.0f} nm /"
            f" ({_fmt(p['air_speed_knots'])} kn x 24)) + {int(p['air_handling_days'])} handling days = {days} days;"
            f" freight = {_fmt(p['air_handling_usd_per_t'])} USD/t handling + {_fmt(p['air_usd_per_t_per_1000nm'])}"
            f" USD/t per 1,000 nm + {p['insurance_share_of_value']:.1%} of {_fmt(price)} USD/t = {usd:,.0f} USD/t")
    return dist, days, usd, text + "; parameters (shipping.csv, sourced there): " + p.cite(*_AIR_PARAMETERS)


def _sea(r, o: Port, d: Port, lng: bool, price: float, p: Parameters) -> tuple[SeaPath, int, float, str]:
    """Path, transit days, freight and the computation's text for a sea (or rail + sea) route."""
    path = sea_path(o.point, d.point, _ids(r.avoid), _waypoints(r.via))
    wrong = set(_ids(r.must_avoid)) & set(path.chokepoints)
    if wrong:
        raise ValueError(f"route_plan.csv {r.route}: the computed path passes {sorted(wrong)}, which"
                         f" must_avoid excludes; change avoid or via")
    dist = path.distance_nm
    speed = p["lng_speed_knots"] if lng else p["bulk_speed_knots"]
    port_days = int(p["lng_port_days"] if lng else p["bulk_port_days"])
    canal_days = int(p["canal_days"] * len(path.canals))
    sea_days = dist / (speed * 24)
    days = math.ceil(sea_days) + port_days + canal_days
    inland_km = float(r.inland_km or 0)
    rail_days = math.ceil(inland_km / p["rail_km_per_day"]) + int(p["rail_transfer_days"]) if inland_km else 0
    if lng:
        usd, how = _lng_freight(sea_days, path.canals, price, p)
        names = _LNG_PARAMETERS + tuple(f"{c}_toll_{k}_usd" for c in path.canals for k in ("laden", "ballast"))
    else:
        usd = p["bulk_handling_usd_per_t"] + p["bulk_usd_per_t_per_1000nm"] * dist / 1000
        how = (f"freight = {_fmt(p['bulk_handling_usd_per_t'])} USD/t handling + "
               f"{_fmt(p['bulk_usd_per_t_per_1000nm'])} USD/t per 1,000 nm")
        names = _BULK_PARAMETERS
        if inland_km:
            usd += p["rail_usd_per_t_km"] * inland_km
            how += f" + rail {_fmt(p['rail_usd_per_t_km'])} USD/t-km x {_fmt(inland_km)} km"
            names += _RAIL_PARAMETERS
        usd += p["insurance_share_of_value"] * price
        how += f" + {p['insurance_share_of_value']:.1%} of {_fmt(price)} USD/t = {usd:,.0f} USD/t"
    days += rail_days
    via = " via " + ", ".join(f"{x:g}E {y:g}N" for x, y in _waypoints(r.via)) if r.via else ""
    text = (f"sea: searoute {SEAROUTE_VERSION} shortest path {o.name} -> {d.name}{via} = {dist:,.0f} nm"
            f" (avoiding: {', '.join(_ids(r.avoid)) or 'none'}; passages: {', '.join(path.passages) or 'none'};"
            f" chokepoints from the path: {', '.join(path.chokepoints) or 'none'})"
            + (f"; rail {_fmt(inland_km)} km to {o.name} = {rail_days} days (ceil(km /"
               f" {_fmt(p['rail_km_per_day'])} km/day) + {int(p['rail_transfer_days'])} transfer days)"
               if inland_km else "")
            + f"; transit = ceil({dist:,.0f} nm / ({speed:g} kn x 24)) + {port_days} port day(s)"
            + (f" + {canal_days} canal day(s)" if canal_days else "")
            + (f" + {rail_days} rail days" if rail_days else "")
            + f" = {days} days; {how}; parameters (shipping.csv, sourced there): " + p.cite(*names))
    return path, days, usd, text


def compute_routes(data_dir: str | Path | None = None) -> list[RouteResult]:
    """Every route of data_dir/route_plan.csv, computed (see the module docstring)."""
    folder = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    ports = load_ports(folder)
    p = load_parameters(folder)
    plan = _read(folder / "route_plan.csv")
    prices = {(r.commodity, r.supplier): float(r.price_usd_per_t)
              for r in _read(folder / "suppliers.csv").itertuples()}
    out = []
    for r in plan.itertuples():
        if r.mode not in MODES:
            raise ValueError(f"route_plan.csv {r.route}: mode {r.mode!r} not one of {MODES}")
        o, d = ports[r.origin], ports[r.destination]
        price = prices[(r.commodity, r.supplier)]
        if r.mode == "air":
            dist, days, usd, text = _air(o, d, price, p)
            chokepoints, passages = (), ()
        else:
            path, days, usd, text = _sea(r, o, d, r.commodity == "lng", price, p)
            dist, chokepoints, passages = path.distance_nm, path.chokepoints, path.passages
        ports_text = f"ports: {o.name} ({_short(o.source)}), {d.name} ({_short(d.source)})"
        out.append(RouteResult(
            route=r.route, commodity=r.commodity, supplier=r.supplier, member=r.member, mode=r.mode,
            distance_nm=dist, transit_days=int(days), freight_usd_per_t=int(round(usd)),
            chokepoints=tuple(chokepoints), passages=tuple(passages),
            source=f"computed by optimizer/routing.py from route_plan.csv ({r.source}); {text}; {ports_text}"))
    return out


def routes_table(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The routes table (data/routes.csv's columns) computed from the data folder."""
    return pd.DataFrame([x.row() for x in compute_routes(data_dir)], columns=list(ROUTE_COLUMNS))


def routes_csv_text(data_dir: str | Path | None = None) -> str:
    """routes.csv exactly as write_routes writes it."""
    buffer = io.StringIO()
    routes_table(data_dir).to_csv(buffer, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return buffer.getvalue()


def check_chokepoints(data_dir: str | Path | None = None, table: pd.DataFrame | None = None) -> list[str]:
    """Chokepoint ids the computed routes use that chokepoints.csv lacks."""
    folder = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    known = set(_read(folder / "chokepoints.csv")["chokepoint"])
    table = routes_table(folder) if table is None else table
    used = {c for cell in table["chokepoints"] for c in _ids(cell)}
    return sorted(used - known)


def write_routes(data_dir: str | Path | None = None) -> Path:
    """Compute the routes and write data_dir/routes.csv; return its path."""
    folder = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    text = routes_csv_text(folder)
    missing = check_chokepoints(folder, pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False))
    if missing:
        raise ValueError(f"chokepoints.csv lacks {missing}: add a row (with a source) for each")
    path = folder / "routes.csv"
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m optimizer.routing", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="data folder (default: data/)")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if routes.csv differs from what would be generated; write nothing")
    args = parser.parse_args(argv)
    if args.check:
        current = (args.data / "routes.csv").read_text(encoding="utf-8") if (args.data / "routes.csv").is_file() else ""
        expected = routes_csv_text(args.data)
        if current != expected:
            old = {line.split(",", 1)[0]: line for line in current.splitlines()[1:]}
            new = {line.split(",", 1)[0]: line for line in expected.splitlines()[1:]}
            changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
            print(f"{args.data / 'routes.csv'} differs from the generated routes ({len(changed)} route(s):"
                  f" {', '.join(changed[:10])}{' ...' if len(changed) > 10 else ''});"
                  f" run python -m optimizer.routing to regenerate", file=sys.stderr)
            return 1
        print(f"{args.data / 'routes.csv'} is up to date")
        return 0
    path = write_routes(args.data)
    for x in compute_routes(args.data):
        print(f"{x.route:<40} {x.distance_nm:8,.0f} nm {x.transit_days:4d} d {x.freight_usd_per_t:8,d} USD/t"
              f"  {';'.join(x.chokepoints)}")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
