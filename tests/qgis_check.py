"""Open GeoPackage layers and rasters in a headless QGIS and report what QGIS does with them.

Run by the *system* interpreter, where Debian's python3-qgis lives (not the project's venv)::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_check.py --out report.json \\
        --png-dir test-artifacts/qgis --tag demo --vector layers.gpkg --raster kde.tif

For every layer of every GeoPackage: whether it is valid, its feature count, the renderer QGIS
applied on opening (the stored default style), the styles "Load style from database" lists,
and for each stored style: its legend (rule key, label, colour), for each feature (by fid) the
legend keys and the number and colour of the symbols QGIS's own renderer gives it, the labeling,
and a PNG rendered in EPSG:3857. For every raster: the style QGIS loaded from the .qml beside it,
its opacity and colour-ramp items, its legend, the colour of every cell at full opacity (base64
ARGB32) and a PNG. QGIS's message log is collected. The pytest side (tests/test_qgis.py)
compares all of it with ``hotspots.symbology``. Only the standard library and qgis are used.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsRenderContext,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtXml import QDomDocument

WEB_MERCATOR = QgsCoordinateReferenceSystem("EPSG:3857")
PNG_SIZE = 900


def _messages_hook(store: list):
    def hook(message, tag, level):
        store.append({"tag": tag, "level": int(level), "message": message})
    return hook


def _geopackage_tables(path: str) -> tuple[list, dict, dict]:
    """(table, data type) of gpkg_contents, layer_styles rows per table, and the header."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
        tables = con.execute("SELECT table_name, data_type FROM gpkg_contents "
                             "WHERE table_name != 'layer_styles' ORDER BY table_name").fetchall()
        styles: dict[str, list[dict]] = {}
        has = con.execute("SELECT count(*) FROM sqlite_master WHERE name='layer_styles'")
        if has.fetchone()[0]:
            for sid, table, name, qml, default, when in con.execute(
                    "SELECT id, f_table_name, styleName, styleQML, useAsDefault, update_time "
                    "FROM layer_styles ORDER BY id"):
                styles.setdefault(table, []).append({"id": sid, "name": name, "qml": qml,
                                                     "default": bool(default),
                                                     "update_time": when})
        version = con.execute("PRAGMA user_version").fetchone()[0]
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
    return tables, styles, {"user_version": version, "application_id": app_id}


def _legend(renderer) -> list[list]:
    out = []
    for item in renderer.legendSymbolItems():
        symbol = item.symbol()
        out.append([item.ruleKey(), item.label(),
                    symbol.color().name() if symbol is not None else None])
    return out


def _import_style(layer, qml: str) -> str:
    doc = QDomDocument()
    ok = doc.setContent(qml)
    if not ok:
        return "QML does not parse"
    ok, err = layer.importNamedStyle(doc)
    return "" if ok else (err or "importNamedStyle failed")


def _classify(layer) -> dict:
    """Legend keys, symbol count and first symbol colour of each feature, by QGIS's renderer."""
    renderer = layer.renderer().clone()
    ctx = QgsRenderContext()
    ctx.setExpressionContext(QgsExpressionContext(
        QgsExpressionContextUtils.globalProjectLayerScopes(layer)))
    ctx.setRendererScale(5000)
    renderer.startRender(ctx, layer.fields())
    root = renderer.rootRule().ruleKey() if hasattr(renderer, "rootRule") else None
    fids, keys, counts, colors = [], [], [], []
    for feature in layer.getFeatures():
        ctx.expressionContext().setFeature(feature)
        symbols = renderer.symbolsForFeature(feature, ctx)
        fids.append(int(feature.id()))
        keys.append(sorted(k for k in renderer.legendKeysForFeature(feature, ctx) if k != root))
        counts.append(len(symbols))
        colors.append(symbols[0].color().name() if symbols else None)
    renderer.stopRender(ctx)
    return {"fids": fids, "keys": keys, "symbols": counts, "colors": colors}


def _labeling(layer) -> dict:
    if not layer.labelsEnabled() or layer.labeling() is None:
        return {"enabled": False}
    settings = layer.labeling().settings()
    return {"enabled": True, "field": settings.fieldName,
            "scale_visibility": bool(settings.scaleVisibility),
            "min_scale": settings.minimumScale, "max_scale": settings.maximumScale}


def _render(layers, extent_layer, path: Path, *, scale: float | None = None) -> dict:
    """Render ``layers`` over ``extent_layer``'s extent (or a window at ``scale``) in EPSG:3857
    to ``path``; returns the number of non-white pixels."""
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(WEB_MERCATOR)
    settings.setBackgroundColor(QColor(255, 255, 255))
    settings.setOutputSize(QSize(PNG_SIZE, PNG_SIZE))
    settings.setFlag(settings.Antialiasing, True)
    transform = QgsCoordinateTransform(extent_layer.crs(), WEB_MERCATOR, QgsProject.instance())
    extent = transform.transformBoundingBox(extent_layer.extent())
    if scale is not None:  # a window around the centre at about 1:scale (96 dpi)
        half = PNG_SIZE / 2 * 0.0254 / 96 * scale
        c = extent.center()
        extent = QgsRectangle(c.x() - half, c.y() - half, c.x() + half, c.y() + half)
    else:
        extent.scale(1.05)
    settings.setExtent(extent)
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(str(path), "PNG")
    white = QColor(255, 255, 255).rgb()
    drawn = sum(1 for y in range(0, image.height(), 3) for x in range(0, image.width(), 3)
                if image.pixel(x, y) != white)
    return {"png": str(path), "drawn_pixels_sampled": drawn,
            "scale": settings.scale(), "errors": [e.message for e in job.errors()]}


def check_geopackage(path: str, png_dir: Path, tag: str) -> dict:
    tables, stored, header = _geopackage_tables(path)
    report = {"path": path, "header": header, "layers": {}}
    vectors = {}
    for table, data_type in tables:
        layer = QgsVectorLayer(f"{path}|layername={table}", table, "ogr")
        info = {"data_type": data_type, "valid": layer.isValid(),
                "features": int(layer.featureCount()) if layer.isValid() else None}
        report["layers"][table] = info
        if not layer.isValid() or data_type != "features":
            continue
        vectors[table] = layer
        info["crs"] = layer.crs().authid()
        info["loaded_renderer"] = layer.renderer().type()
        info["loaded_legend"] = _legend(layer.renderer())
        info["loaded_labeling"] = _labeling(layer)
        n, ids, names, _descriptions, err = layer.listStylesInDatabase()
        info["listed_styles"] = {"related": n, "ids": list(ids), "names": list(names),
                                 "error": err}
        info["styles"] = []
        for row in stored.get(table, []):
            entry = {"name": row["name"], "default": row["default"],
                     "update_time": row["update_time"]}
            entry["import_error"] = _import_style(layer, row["qml"])
            entry["renderer"] = layer.renderer().type()
            entry["legend"] = _legend(layer.renderer())
            entry["labeling"] = _labeling(layer)
            entry.update(_classify(layer))
            safe = "".join(ch if ch.isalnum() else "_" for ch in row["name"]).strip("_")
            entry["render"] = _render([layer], layer, png_dir / f"{tag}-{table}-{safe}.png")
            if entry["labeling"].get("enabled"):
                entry["render_close"] = _render([layer], layer,
                                                png_dir / f"{tag}-{table}-{safe}-1to5000.png",
                                                scale=5000)
            info["styles"].append(entry)
        default = next((r for r in stored.get(table, []) if r["default"]), None)
        if default is not None:  # back to the default style for the overview below
            _import_style(layer, default["qml"])
    # the map's opening view: boundary under the segments, each in its default style
    order = [n for n in ("segments", "boundary") if n in vectors]
    if "segments" in vectors:
        report["overview"] = _render([vectors[n] for n in order], vectors["segments"],
                                     png_dir / f"{tag}-overview.png")
    return report


def check_raster(path: str, png_dir: Path, tag: str) -> dict:
    layer = QgsRasterLayer(path, Path(path).stem)
    info = {"path": path, "valid": layer.isValid()}
    if not layer.isValid():
        return info
    renderer = layer.renderer()
    info["renderer"] = renderer.type()
    info["opacity"] = renderer.opacity()
    info["width"], info["height"] = layer.width(), layer.height()
    info["crs"] = layer.crs().authid()
    if renderer.type() == "singlebandpseudocolor":
        shader = renderer.shader().rasterShaderFunction()
        info["ramp_type"] = int(shader.colorRampType())
        info["items"] = [[item.value, item.color.name(), item.color.alpha(), item.label]
                         for item in shader.colorRampItemList()]
    info["legend"] = [[label, color.name()] for label, color in renderer.legendSymbologyItems()]
    info["render"] = _render([layer], layer, png_dir / f"{tag}-{Path(path).stem}.png")
    renderer.setOpacity(1.0)  # the class colours themselves, not blended with the opacity
    block = renderer.block(1, layer.extent(), layer.width(), layer.height())
    renderer.setOpacity(info["opacity"])
    info["argb_type"] = int(block.dataType())
    info["argb"] = base64.b64encode(bytes(block.data())).decode("ascii")
    return info


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="JSON report to write")
    parser.add_argument("--png-dir", required=True)
    parser.add_argument("--tag", default="qgis", help="prefix of the PNG names")
    parser.add_argument("--vector", action="append", default=[], help="a GeoPackage")
    parser.add_argument("--raster", action="append", default=[], help="a GeoTIFF (.qml beside)")
    args = parser.parse_args(argv)
    png_dir = Path(args.png_dir)
    app = QgsApplication([], False)
    app.initQgis()
    messages: list[dict] = []
    QgsApplication.messageLog().messageReceived.connect(_messages_hook(messages))
    report = {"qgis_version": Qgis.QGIS_VERSION, "python": sys.version.split()[0],
              "geopackages": [check_geopackage(p, png_dir, f"{args.tag}-{Path(p).parent.name}")
                              for p in args.vector],
              "rasters": [check_raster(p, png_dir, f"{args.tag}-{Path(p).parent.name}")
                          for p in args.raster]}
    QgsApplication.processEvents()
    report["messages"] = messages
    Path(args.out).write_text(json.dumps(report), encoding="utf-8")
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
