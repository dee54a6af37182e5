"""The widget files, the demo page of the sample bureau at /, and the API reference at /docs (no CDN: Swagger UI's
files come from the installed fastapi-offline package)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(include_in_schema=False)
CACHE = {"Cache-Control": "public, max-age=300"}
DOCS_ASSETS = {"swagger-ui-bundle.js": "text/javascript; charset=utf-8", "swagger-ui.css": "text/css; charset=utf-8",
               "favicon.png": "image/png"}
DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>daoban API</title>
  <link rel="icon" href="docs/assets/favicon.png">
  <link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/assets/swagger-ui-bundle.js"></script>
  <script src="docs/docs.js"></script>
</body>
</html>
"""


def swagger_dir() -> Path | None:
    try:
        import fastapi_offline
    except ImportError:
        return None
    return Path(fastapi_offline.__file__).resolve().parent / "static"


@router.get("/")
async def demo_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})


@router.get("/widget.js")
async def widget_js() -> FileResponse:
    return FileResponse(STATIC_DIR / "widget.js", media_type="text/javascript; charset=utf-8", headers=CACHE)


@router.get("/widget.css")
async def widget_css() -> FileResponse:
    return FileResponse(STATIC_DIR / "widget.css", media_type="text/css; charset=utf-8", headers=CACHE)


@router.get("/demo.css")
async def demo_css() -> FileResponse:
    return FileResponse(STATIC_DIR / "demo.css", media_type="text/css; charset=utf-8", headers=CACHE)


@router.get("/docs")
async def docs_page() -> HTMLResponse:
    return HTMLResponse(DOCS_PAGE, headers={"Cache-Control": "no-cache"})


@router.get("/docs/docs.js")
async def docs_js() -> FileResponse:
    return FileResponse(STATIC_DIR / "docs.js", media_type="text/javascript; charset=utf-8", headers=CACHE)


@router.get("/docs/assets/{name}")
async def docs_asset(name: str) -> FileResponse:
    folder = swagger_dir()
    if name not in DOCS_ASSETS or folder is None or not (folder / name).is_file():
        raise HTTPException(404, "not found")
    return FileResponse(folder / name, media_type=DOCS_ASSETS[name], headers=CACHE)
