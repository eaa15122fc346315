"""The `hotspots` command line: each subcommand parses options, checks the config, calls the library.

Exit codes (a scheduler can act on them):

====  ====================================================================================
0     done
1     unexpected failure: a bug (rerun with -v for the traceback and report it)
2     bad input or config: fix the data or the setting named in the message
3     the outputs already exist: pass --overwrite to replace them
4     the output folder cannot be written (read-only, permission denied): choose another
5     no space left on the output device: free space, then run again
6     another run is writing the same week right now: wait (--wait) or stop it
130   interrupted (Ctrl-C, SIGINT); 143 terminated (SIGTERM: systemd, timeout, docker stop)
====  ====================================================================================

A failed, interrupted or terminated run leaves the previous outputs untouched. The analysis
libraries are imported only after the config and the input files have been checked, so a bad
config is answered at once.
"""

from __future__ import annotations

import errno
import signal
import sys
from functools import wraps
from pathlib import Path

import click

from hotspots._errors import (
    DiskFullError,
    HotspotsError,
    OutputExistsError,
    OutputLocationError,
    RunLockedError,
)

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT, EXIT_EXISTS = 0, 1, 2, 3
EXIT_NOT_WRITABLE, EXIT_DISK_FULL, EXIT_LOCKED = 4, 5, 6
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143

__all__ = ["main"]


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM."""


def _on_sigterm(signum, frame):  # pragma: no cover - exercised through a subprocess
    raise Terminated()


def _fail(message: str, code: int) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


def _handle_errors(func):
    @wraps(func)
    def wrapper(*args, **kwargs):
        previous = signal.getsignal(signal.SIGTERM)
        try:
            signal.signal(signal.SIGTERM, _on_sigterm)
        except ValueError:  # pragma: no cover - not the main thread (e.g. some test runners)
            previous = None
        try:
            return func(*args, **kwargs)
        except OutputExistsError as exc:
            _fail(str(exc), EXIT_EXISTS)
        except DiskFullError as exc:
            _fail(str(exc), EXIT_DISK_FULL)
        except OutputLocationError as exc:
            _fail(str(exc), EXIT_NOT_WRITABLE)
        except RunLockedError as exc:
            _fail(str(exc), EXIT_LOCKED)
        except HotspotsError as exc:
            _fail(str(exc), EXIT_BAD_INPUT)
        except Terminated:
            _fail("terminated (SIGTERM); the previous outputs are untouched", EXIT_TERMINATED)
        except KeyboardInterrupt:
            _fail("interrupted; the previous outputs are untouched", EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                _fail(f"no space left on the device ({exc.filename or exc}). Fix: free disk "
                      "space and run again; the previous outputs are untouched.",
                      EXIT_DISK_FULL)
            _unexpected(exc)
        except MemoryError:
            _fail("ran out of memory. Fix: close other programs or run on a machine with more "
                  "memory (the analysis holds every segment and incident in memory)",
                  EXIT_FAILURE)
        except Exception as exc:
            _unexpected(exc)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    return wrapper


def _unexpected(exc: BaseException) -> None:
    import logging

    logging.getLogger("hotspots").debug("unexpected failure", exc_info=True)
    _fail(f"unexpected failure: {type(exc).__name__}: {exc} (a bug; rerun with -v for the "
          "traceback and report it)", EXIT_FAILURE)


# --- options shared by the subcommands (each defined once) -----------------------------------

overwrite_opt = click.option("--overwrite", is_flag=True,
                             help="Replace the existing outputs of this folder/week.")
quiet_opt = click.option("-q", "--quiet", is_flag=True, help="Only print errors.")
verbose_opt = click.option("-v", "--verbose", count=True,
                           help="More log output (-vv for everything).")
wait_opt = click.option("--wait", "wait_s", type=click.FloatRange(min=0), default=0.0,
                        show_default=True, help="Seconds to wait for another run writing the "
                        "same folder (exit 6 when it is still running).")


def _logger(verbose: int, quiet: bool):
    from hotspots import progress

    return progress.setup_logging(verbosity=-1 if quiet else verbose)


def _checked(config):
    """Refuse a config whose input files are missing, before any analysis library loads."""
    from hotspots.config import ConfigError, check_input_files

    problems = check_input_files(config)
    if problems:
        raise ConfigError(config.source or "config", problems)
    return config


def _fmt_pct(value, lang: str = "en") -> str:
    from hotspots import i18n

    return i18n.percent(value, lang)


def _line(label: str, value: str) -> None:
    click.echo(f"{label:<18}{value}")


def print_summary(summary: dict, files: dict, lang: str = "en") -> None:
    """Print the short run summary an analyst reads first (in the run's language)."""
    from hotspots import i18n
    from hotspots.i18n.phrases import reason_text, skip_text

    t = i18n.translator(lang, "cli")
    num = lambda v: i18n.number(v, lang)  # noqa: E731
    s = summary
    _line(t("read"), num(s["rows_read"]))
    _line(t("used"), num(s["used"]))
    _line(t("rejected"), num(s["rejected"]))
    for reason, n in s["rejected_by_reason"].items():
        # English keeps the stable codes (scripts read them); other languages show words
        shown = reason if i18n.language(lang) == "en" else reason_text(reason, lang)
        click.echo(f"    {shown:<22} {num(n)}")
    _line(t("accounted"), t("accounted_text", answer=i18n.text("words.yes", lang)
                           if s["accounted"] else t("accounted_no")))
    _line(t("snap"), t("snap_text", rate=_fmt_pct(s["snap_rate"], lang)))
    if "geocode_rate" in s:
        _line(t("address"), t("address_text", rate=_fmt_pct(s["geocode_rate"], lang)))
        for warning in (s.get("geocoding_qa") or {}).get("warnings") or ():
            click.echo(f"    {t('warning')} {warning}")
    _line(t("segments"), t("segments_text", n=num(s["segments"]), crs=s["crs"]))
    conc = s["concentration"]
    _line(t("concentration"), t("concentration_text", s50=_fmt_pct(conc["share_for_50pct"], lang),
                                s25=_fmt_pct(conc["share_for_25pct"], lang),
                                gini=i18n.number(conc["gini"], lang, digits=2)))
    skipped = s.get("statistics", {}).get("skipped")
    if skipped:
        _line(t("statistics"), t("not_computed", why=skip_text(skipped, lang)))
    breaks = (s.get("class_breaks") or {}).get("rate_per_100m")
    if breaks:
        _line(t("breaks"), t("breaks_text", breaks=" | ".join(
            i18n.number(b, lang, digits=2) for b in breaks["breaks"]),
            source=breaks["source"][lang]))
    click.echo(t("top"))
    for row in s["top_segments"][:5]:
        name = row["street_name"] or t("unnamed")
        click.echo(f"    {row['segment_id']:>20}  {name[:30]:<30} {row['count']:>4} "
                   + t("top_row", rate=i18n.number(row["rate_per_100m"], lang, digits=2)))
    click.echo(t("wrote"))
    for _, path in files.items():
        click.echo(f"    {path}")


def print_weekly(summary: dict, lang: str = "en") -> None:
    """The week-over-week and evaluation lines of a weekly run (in the run's language)."""
    from hotspots import i18n
    from hotspots.i18n.phrases import hot_rule_text, skip_text

    t = i18n.translator(lang, "cli")
    s = summary
    wow, ev = s.get("week_over_week"), s.get("evaluation")
    dates = s["week_dates"]
    _line(t("week"), t("week_text", week=s["week"], first=i18n.date_text(dates["first"], lang),
                       last=i18n.date_text(dates["last"], lang),
                       n=i18n.number(s["incidents_week"], lang)))
    if s.get("week_over_week_skipped"):
        _line(t("previous"), skip_text(s["week_over_week_skipped"], lang))
    if wow:
        _line(t("previous"), t("previous_text", n=i18n.number(wow["incidents_prev"], lang),
                               weeks=len(wow["weekly_totals"]) - 1,
                               mean=i18n.number(wow["incidents_hist_mean"], lang, digits=1)))
        _line(t("hot"), t("hot_text", new=wow["hot_new"], persistent=wow["hot_persistent"],
                          cooling=wow["hot_cooling"],
                          rule=hot_rule_text(wow["hot_rule"], lang)))
    if ev:
        _line(t("last_hot"), t("last_hot_text", hit=_fmt_pct(ev["hit_rate"], lang), n=ev["n"],
                               N=ev["N"], pai_l=i18n.number(ev["pai_length"], lang, digits=2),
                               pai_a=i18n.number(ev["pai_area"], lang, digits=2),
                               rri=i18n.number(ev["rri"], lang, digits=2)))
    conc = s.get("concentration_weisburd")
    if conc and conc.get("within_weisburd_50") is not None:
        key = "weisburd_in" if conc["within_weisburd_50"] else "weisburd_out"
        _line(t("weisburd"), t(key, s50=_fmt_pct(conc["share_for_50pct"], lang)))


@click.group()
@click.version_option(package_name="hotspots")
def main() -> None:
    """Street-segment hot spots for municipal security observatories.

    Exit codes: 0 done, 1 unexpected failure (a bug), 2 bad input or config, 3 outputs
    exist (--overwrite), 4 output folder not writable, 5 no space left, 6 the same week is
    being written by another run, 130 interrupted, 143 terminated.
    """


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("runs/demo"),
              show_default=True, help="Output folder.")
@overwrite_opt
@wait_opt
@verbose_opt
@quiet_opt
@_handle_errors
def demo(out_dir: Path, overwrite: bool, wait_s: float, verbose: int, quiet: bool) -> None:
    """Analyse the embedded sample city and write a map, layers and a report."""
    from hotspots.config import sample_config

    config = _checked(sample_config())
    log = _logger(verbose, quiet)
    from hotspots import pipeline

    result = pipeline.run_all(config, out_dir, overwrite=overwrite, report=log.info,
                              wait_s=wait_s)
    if not quiet:
        print_summary(result.summary, result.files, config.parameters.language)


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
@click.option("--max-distance-m", type=click.FloatRange(min=0, min_open=True), default=50.0,
              show_default=True, help="Incidents farther than this from every segment are "
              "rejected.")
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
@overwrite_opt
@wait_opt
@verbose_opt
@quiet_opt
@_handle_errors
def snap(incidents, streets, streets_layer, name_column, boundary, boundary_layer, out_dir,
         max_distance_m, crs, timezone, time_format, id_column, time_column, category_column,
         lat_column, lon_column, x_column, y_column, coords_crs, address_column, delimiter,
         encoding, overwrite, wait_s, verbose, quiet) -> None:
    """Snap INCIDENTS onto street segments and write map, layers, rejects and manifest."""
    from hotspots.config import config_from_dict

    columns = {k: v for k, v in {
        "id": id_column, "time": time_column, "category": category_column, "lat": lat_column,
        "lon": lon_column, "x": x_column, "y": y_column, "address": address_column,
    }.items() if v}
    inputs = {"incidents": str(incidents), "streets": str(streets),
              "streets_layer": streets_layer, "streets_name_column": name_column,
              "boundary": str(boundary) if boundary else None, "boundary_layer": boundary_layer,
              "coords_crs": coords_crs, "delimiter": delimiter, "encoding": encoding,
              "time_format": time_format}
    parameters = {"timezone": timezone, "crs": crs}
    config = config_from_dict({
        "inputs": {k: v for k, v in inputs.items() if v is not None},
        "columns": columns,
        "parameters": {k: v for k, v in parameters.items() if v is not None},
        "geocoding": {"max_distance_m": max_distance_m},
    }, source="command line")
    config = _checked(config)
    log = _logger(verbose, quiet)
    from hotspots import pipeline

    result = pipeline.run_all(config, out_dir, overwrite=overwrite, report=log.info,
                              wait_s=wait_s)
    if not quiet:
        print_summary(result.summary, result.files, config.parameters.language)


@main.command()
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path),
              help="City config (TOML); `hotspots init` writes a commented example.")
@click.option("--week", default="latest", show_default=True,
              help="ISO week to analyse, e.g. 2026-W47; 'latest' = the last finished week "
                   "with incidents.")
@click.option("--out", "out_root", type=click.Path(path_type=Path), default=None,
              help="Folder holding one subfolder per week (default: weekly.output_root).")
@overwrite_opt
@wait_opt
@verbose_opt
@quiet_opt
@_handle_errors
def weekly(config_path: Path, week: str, out_root: Path | None, overwrite: bool, wait_s: float,
           verbose: int, quiet: bool) -> None:
    """The Monday run: analyse one ISO week and write <output_root>/<week>/.

    Exit codes: see `hotspots --help`. A failed or killed run leaves the previous outputs of
    the week untouched.
    """
    from hotspots.config import load_config

    config = _checked(load_config(config_path))
    if str(week).strip().lower() != "latest":
        from hotspots.weekly import parse_week

        parse_week(week, timezone=config.parameters.timezone)  # a bad --week answers at once
    log = _logger(verbose, quiet)
    from hotspots import pipeline

    result = pipeline.run_week(config, week=week, out_root=out_root, overwrite=overwrite,
                               report=log.info, wait_s=wait_s)
    if not quiet:
        print_summary(result.summary, result.files, config.parameters.language)
        print_weekly(result.summary, config.parameters.language)
        timing = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
        log.info("timings: %s", timing)


@main.command()
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path),
              help="State config (TOML): the municipalities, the incident source, the cluster.")
@click.option("--week", default="latest", show_default=True,
              help="ISO week for every municipality, e.g. 2026-W47; 'latest' = the last "
                   "finished week in the state's time zone.")
@click.option("--scheduler", default=None,
              help="Address of a dask scheduler (tcp://host:8786); default: a LocalCluster "
                   "sized to this machine (or cluster.scheduler).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="LocalCluster workers (default: cluster.workers, else one per core).")
@click.option("--sequential", is_flag=True,
              help="No cluster: the municipalities one after another here, with a progress bar.")
@click.option("--only", multiple=True, metavar="IBGE_CODE",
              help="Run only this municipality (repeatable).")
@overwrite_opt
@verbose_opt
@quiet_opt
@_handle_errors
def state(config_path: Path, week: str, scheduler: str | None, workers: int | None,
          sequential: bool, only: tuple[str, ...], overwrite: bool, verbose: int,
          quiet: bool) -> None:
    """Run the weekly analysis of every municipality of a state, one task per municipality.

    Each municipality writes <output_root>/<IBGE code>/<week>/ as `hotspots weekly` does;
    the state summary (table, map, bulletin) goes to <output_root>/state/<week>/. A rerun
    redoes only the municipalities that are missing or failed (--overwrite: all). Exit
    codes: 0 every municipality finished, 7 one or more failed (the others finished; see
    state.csv), 2 bad config or state-wide source, 3-6 as for `hotspots weekly`.
    """
    from hotspots.state.config import load_state_config

    config = load_state_config(config_path)
    log = _logger(verbose, quiet)
    from hotspots.state.runner import run_state
    from hotspots.state.summary import summary_lines

    result = run_state(config, week=week, scheduler=scheduler, sequential=sequential,
                       workers=workers, overwrite=overwrite, report=log.info,
                       only=only or None)
    if not quiet:
        for line in summary_lines(result, language=config.state.language):
            click.echo(line)
    if result.exit_code:
        sys.exit(result.exit_code)


@main.command()
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path),
              help="City config (TOML); costs and budget in its [planning] table.")
@click.option("--budget", "budget_brl", type=click.FloatRange(min=0), default=None,
              help="Budget in R$ (overrides planning.budget_brl).")
@click.option("--week", default="latest", show_default=True,
              help="The week that closes the evidence window (e.g. 2026-W47).")
@click.option("--out", "out_root", type=click.Path(path_type=Path), default=None,
              help="Folder holding the run folders (default: weekly.output_root); the plan "
                   "goes to plan-<week>/.")
@click.option("--no-pdf", is_flag=True, help="Do not print the council sheet to PDF.")
@overwrite_opt
@wait_opt
@verbose_opt
@quiet_opt
@_handle_errors
def plan(config_path: Path, budget_brl: float | None, week: str, out_root: Path | None,
         no_pdf: bool, overwrite: bool, wait_s: float, verbose: int, quiet: bool) -> None:
    """The lighting and green-area plan for the council: plan.csv and the council sheet."""
    from hotspots.config import load_config

    config = _checked(load_config(config_path))
    if str(week).strip().lower() != "latest":
        from hotspots.weekly import parse_week

        parse_week(week, timezone=config.parameters.timezone)
    log = _logger(verbose, quiet)
    from hotspots.pipeline.tasks import run_plan

    result = run_plan(config, week=week, out_root=out_root, budget_brl=budget_brl,
                      overwrite=overwrite, report=log.info, wait_s=wait_s, pdf=not no_pdf)
    if not quiet:
        from hotspots import i18n

        lang = config.parameters.language
        t = i18n.translator(lang, "cli")
        light = (result.summary["planning"].get("totals") or {}).get("lighting") or {}
        if light.get("budget_brl") is not None:
            click.echo(t("plan_budget", budget=i18n.number(light["budget_brl"], lang),
                         n=light["funded"], spent=i18n.number(light["spent_brl"], lang),
                         left=i18n.number(light["left_brl"], lang)))
        else:
            click.echo(t("plan_none", n=light.get("projects", 0)))
        click.echo(t("wrote"))
        for path in result.files.values():
            click.echo(f"    {path}")


@main.command("near-repeat")
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path),
              help="City config (TOML); bands and permutations in its [near_repeat] table.")
@click.option("--week", default="latest", show_default=True,
              help="The week after which risk zones are listed (e.g. 2026-W47).")
@click.option("--out", "out_root", type=click.Path(path_type=Path), default=None,
              help="Folder holding the run folders (default: weekly.output_root); the results "
                   "go to near-repeat-<week>/.")
@overwrite_opt
@wait_opt
@verbose_opt
@quiet_opt
@_handle_errors
def near_repeat(config_path: Path, week: str, out_root: Path | None, overwrite: bool,
                wait_s: float, verbose: int, quiet: bool) -> None:
    """Near-repeat analysis: the Knox table, its heat map and the risk zones after the week."""
    from hotspots.config import load_config

    config = _checked(load_config(config_path))
    if str(week).strip().lower() != "latest":
        from hotspots.weekly import parse_week

        parse_week(week, timezone=config.parameters.timezone)
    log = _logger(verbose, quiet)
    from hotspots.pipeline.tasks import run_near_repeat

    result = run_near_repeat(config, week=week, out_root=out_root, overwrite=overwrite,
                             report=log.info, wait_s=wait_s)
    if not quiet:
        lang = "pt" if config.parameters.language == "pt" else "en"
        click.echo(result.summary["near_repeat"]["text"][lang])
        from hotspots import i18n

        click.echo(i18n.text("cli.wrote", lang))
        for path in result.files.values():
            click.echo(f"    {path}")


@main.command()
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path),
              help="City config (TOML); the design in its [evaluation] table.")
@click.option("--interventions", "interventions", required=True,
              type=click.Path(path_type=Path),
              help="Interventions: a CSV (segment_id, kind, start[, end]) or a layer whose "
                   "geometries mark the treated streets (kind, start[, end]).")
@click.option("--interventions-layer", default=None, help="Layer of --interventions to read.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: <output_root>/evaluation-<file name>).")
@overwrite_opt
@wait_opt
@verbose_opt
@quiet_opt
@_handle_errors
def evaluate(config_path: Path, interventions: Path, interventions_layer: str | None,
             out_dir: Path | None, overwrite: bool, wait_s: float, verbose: int,
             quiet: bool) -> None:
    """Did it work? WDQ/WDD and a difference-in-differences for lighting, green areas, patrols."""
    from hotspots.config import load_config

    config = _checked(load_config(config_path))
    if not interventions.exists():
        from hotspots.config import ConfigError

        raise ConfigError("command line", [f"--interventions: file not found: {interventions}"])
    log = _logger(verbose, quiet)
    from hotspots.pipeline.tasks import run_evaluation

    result = run_evaluation(config, interventions=interventions,
                            interventions_layer=interventions_layer, out_dir=out_dir,
                            overwrite=overwrite, report=log.info, wait_s=wait_s)
    if not quiet:
        from hotspots import i18n

        click.echo(i18n.text("cli.wrote", config.parameters.language))
        for path in result.files.values():
            click.echo(f"    {path}")


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path("hotspots.toml"))
@overwrite_opt
@_handle_errors
def init(path: Path, overwrite: bool) -> None:
    """Write a commented config with every setting and its default to PATH (hotspots.toml)."""
    from hotspots.config import example_config_text

    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path} exists; pass --overwrite to replace it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(example_config_text(), encoding="utf-8")
    except OSError as exc:
        from hotspots._errors import os_error

        raise os_error(exc, where=path) from exc
    from hotspots import i18n

    click.echo(i18n.text("cli.init_done", "en", path=path))


if __name__ == "__main__":  # pragma: no cover
    main()
