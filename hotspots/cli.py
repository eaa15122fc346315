"""The `hotspots` command line: each subcommand parses options, calls the library, writes outputs."""

from __future__ import annotations

import sys
from functools import wraps
from pathlib import Path

import click

from hotspots._errors import HotspotsError, OutputExistsError

#: exit codes a scheduler can act on
EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT, EXIT_EXISTS = 0, 1, 2, 3


def _handle_errors(func):
    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except OutputExistsError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(EXIT_EXISTS)
        except HotspotsError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(EXIT_BAD_INPUT)

    return wrapper


def _echo_progress(quiet: bool):
    if quiet:
        return None
    return lambda msg: click.echo(f"  · {msg}", err=True)


def print_summary(summary: dict, files: dict) -> None:
    """Print the short run summary an analyst reads first."""
    s = summary
    click.echo(f"incidents read:   {s['rows_read']}")
    click.echo(f"used (geocoded):  {s['used']}")
    click.echo(f"rejected:         {s['rejected']}")
    for reason, n in s["rejected_by_reason"].items():
        click.echo(f"    {reason:<22} {n}")
    click.echo(f"accounted for:    {'yes' if s['accounted'] else 'NO'} (used + rejected = read)")
    click.echo(f"snap rate:        {s['snap_rate']:.1%} of records with coordinates")
    if "geocode_rate" in s:
        click.echo(f"address match:    {s['geocode_rate']:.1%} of address-only records")
    click.echo(f"segments:         {s['segments']} in {s['crs']}")
    conc = s["concentration"]
    click.echo(
        f"concentration:    50 % of incidents on {conc['share_for_50pct']:.1%} of segments, "
        f"25 % on {conc['share_for_25pct']:.1%} (Gini {conc['gini']:.2f})"
    )
    click.echo("top segments:")
    for row in s["top_segments"][:5]:
        name = row["street_name"] or "(unnamed)"
        click.echo(f"    {row['segment_id']:>20}  {name[:30]:<30} {row['count']:>4} incidents "
                   f"{row['rate_per_100m']:>7.2f}/100 m")
    click.echo("wrote:")
    for _, path in files.items():
        click.echo(f"    {path}")


@click.group()
@click.version_option(package_name="hotspots")
def main() -> None:
    """Street-segment hot spots for municipal security observatories."""


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("runs/demo"),
              show_default=True, help="Output folder.")
@click.option("--overwrite", is_flag=True, help="Replace existing outputs in --out.")
@click.option("-q", "--quiet", is_flag=True, help="Only print errors.")
@_handle_errors
def demo(out_dir: Path, overwrite: bool, quiet: bool) -> None:
    """Analyse the embedded sample city and write a map, layers and a report."""
    from hotspots import pipeline

    result = pipeline.run(pipeline.sample_config(), out_dir, overwrite=overwrite,
                          report=_echo_progress(quiet))
    if not quiet:
        print_summary(result.summary, result.files)


@main.command()
@click.argument("incidents", type=click.Path(path_type=Path))
@click.option("--streets", required=True, type=click.Path(path_type=Path),
              help="Street lines (GeoPackage, Shapefile, GeoJSON...) or an OpenStreetMap .osm.pbf.")
@click.option("--streets-layer", default=None, help="Layer of --streets to read.")
@click.option("--name-column", default=None, help="Street-name column of the street layer.")
@click.option("--boundary", type=click.Path(path_type=Path), default=None,
              help="Study-area polygon(s); incidents outside are rejected.")
@click.option("--boundary-layer", default=None)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("runs/snap"),
              show_default=True)
@click.option("--max-distance-m", type=float, default=50.0, show_default=True,
              help="Incidents farther than this from every segment are rejected.")
@click.option("--crs", default=None, help="Analysis CRS in metres (default: UTM zone of the data).")
@click.option("--timezone", default="America/Sao_Paulo", show_default=True)
@click.option("--time-format", default=None, help="strftime format of timestamps, e.g. '%d/%m/%Y %H:%M'.")
@click.option("--id-column", default=None)
@click.option("--time-column", default=None)
@click.option("--category-column", default=None)
@click.option("--lat-column", default=None)
@click.option("--lon-column", default=None)
@click.option("--x-column", default=None)
@click.option("--y-column", default=None)
@click.option("--coords-crs", default=None, help="CRS of --x-column/--y-column values.")
@click.option("--address-column", default=None)
@click.option("--delimiter", default=None, help="CSV delimiter (detected if not given).")
@click.option("--encoding", default=None, help="CSV encoding (UTF-8 or Latin-1 detected if not given).")
@click.option("--overwrite", is_flag=True)
@click.option("-q", "--quiet", is_flag=True)
@_handle_errors
def snap(incidents, streets, streets_layer, name_column, boundary, boundary_layer, out_dir,
         max_distance_m, crs, timezone, time_format, id_column, time_column, category_column,
         lat_column, lon_column, x_column, y_column, coords_crs, address_column, delimiter,
         encoding, overwrite, quiet) -> None:
    """Snap INCIDENTS onto street segments and write map, layers, rejects and manifest."""
    from hotspots import pipeline
    from hotspots.config import RunConfig

    columns = {k: v for k, v in {
        "id": id_column, "time": time_column, "category": category_column, "lat": lat_column,
        "lon": lon_column, "x": x_column, "y": y_column, "address": address_column,
    }.items() if v}
    config = RunConfig(
        incidents=str(incidents), streets=str(streets), streets_layer=streets_layer,
        streets_name_column=name_column, boundary=str(boundary) if boundary else None,
        boundary_layer=boundary_layer, columns=columns, coords_crs=coords_crs,
        delimiter=delimiter, encoding=encoding, time_format=time_format, timezone=timezone,
        crs=crs, max_distance_m=max_distance_m,
    )
    result = pipeline.run(config, out_dir, overwrite=overwrite, report=_echo_progress(quiet))
    if not quiet:
        print_summary(result.summary, result.files)


if __name__ == "__main__":  # pragma: no cover
    main()
