"""The `hotspots` command line: each subcommand parses options, calls the library, writes outputs."""

from __future__ import annotations

import sys
from functools import wraps
from pathlib import Path

import click

from hotspots._errors import HotspotsError, OutputExistsError

#: exit codes a scheduler can act on: 0 done; 1 unexpected failure (a bug: report it, retry
#: will not help); 2 bad input or config (fix the data/config); 3 the week's outputs already
#: exist (pass --overwrite to replace them); 130 interrupted (Ctrl-C / SIGINT)
EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT, EXIT_EXISTS = 0, 1, 2, 3
EXIT_INTERRUPTED = 130


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
        except KeyboardInterrupt:
            click.secho("error: interrupted; the previous outputs are untouched", fg="red",
                        err=True)
            sys.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:
            import logging

            logging.getLogger("hotspots").debug("unexpected failure", exc_info=True)
            click.secho(f"error: unexpected failure: {type(exc).__name__}: {exc} (a bug; rerun "
                        "with -v for the traceback and report it)", fg="red", err=True)
            sys.exit(EXIT_FAILURE)

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


def _verbosity(verbose: int, quiet: bool) -> int:
    return -1 if quiet else verbose


def print_weekly(summary: dict) -> None:
    """The week-over-week and evaluation lines of a weekly run."""
    s = summary
    wow, ev = s.get("week_over_week"), s.get("evaluation")
    click.echo(f"week:             {s['week']} ({s['week_start'][:10]} – {s['week_end'][:10]}), "
               f"{s['incidents_week']} incidents")
    if wow:
        click.echo(f"previous week:    {wow['incidents_prev']} incidents; mean of the "
                   f"{len(wow['weekly_totals']) - 1} weeks before: {wow['incidents_hist_mean']:.1f}")
        click.echo(f"hot segments:     {wow['hot_new']} new, {wow['hot_persistent']} persistent, "
                   f"{wow['hot_cooling']} cooling; hot = {wow['hot_rule']}")
    if ev:
        click.echo(f"last week's hot:  hit rate {ev['hit_rate']:.1%} ({ev['n']}/{ev['N']}), "
                   f"PAI {ev['pai_length']:.2f} by length, {ev['pai_area']:.2f} by area, "
                   f"RRI {ev['rri']:.2f}")
    conc = s.get("concentration_weisburd")
    if conc and conc.get("within_weisburd_50") is not None:
        inside = "within" if conc["within_weisburd_50"] else "outside"
        click.echo(f"Weisburd:         50 % on {conc['share_for_50pct']:.1%} of segments: "
                   f"{inside} the 2.1–6.0 % of the law of crime concentration")


@main.command()
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path),
              help="City config (TOML); `hotspots init` writes a commented example.")
@click.option("--week", default="latest", show_default=True,
              help="ISO week to analyse, e.g. 2026-W47; 'latest' = the last finished week "
                   "with incidents.")
@click.option("--out", "out_root", type=click.Path(path_type=Path), default=None,
              help="Folder holding one subfolder per week (default: output_root of the config).")
@click.option("--overwrite", is_flag=True, help="Replace the week's existing outputs.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for everything).")
@click.option("-q", "--quiet", is_flag=True, help="Only print errors.")
@_handle_errors
def weekly(config_path: Path, week: str, out_root: Path | None, overwrite: bool, verbose: int,
           quiet: bool) -> None:
    """The Monday run: analyse one ISO week and write runs/<week>/.

    Exit codes: 0 done, 1 unexpected failure, 2 bad input or config, 3 the week's outputs
    exist (use --overwrite), 130 interrupted. A failed or killed run leaves the previous
    outputs of the week untouched.
    """
    from hotspots import pipeline, progress
    from hotspots.config import load_config

    log = progress.setup_logging(verbosity=_verbosity(verbose, quiet))
    config = load_config(config_path)
    result = pipeline.run(config, week=week, out_root=out_root, overwrite=overwrite,
                          report=log.info)
    if not quiet:
        print_summary(result.summary, result.files)
        print_weekly(result.summary)
        timing = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
        log.info("timings: %s", timing)


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path("hotspots.toml"))
@click.option("--overwrite", is_flag=True, help="Replace an existing file.")
@_handle_errors
def init(path: Path, overwrite: bool) -> None:
    """Write a commented example config to PATH (default hotspots.toml)."""
    from hotspots.config import example_config_text

    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path} exists; pass --overwrite to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(example_config_text(), encoding="utf-8")
    click.echo(f"wrote {path}; edit the [inputs] paths, then: hotspots weekly --config {path}")


if __name__ == "__main__":  # pragma: no cover
    main()
