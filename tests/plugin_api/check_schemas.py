#!/usr/bin/env python3
"""Checks plugin_api/schema/: every *.schema.json is a valid JSON Schema 2020-12 document, the
examples in the prose docs validate against their schemas, and known-bad views are refused.
Fails when the python3 `jsonschema` module is missing: the test command installs it."""
import json
import pathlib
import re
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed (apt-get install python3-jsonschema)")
    sys.exit(1)

schema_dir = pathlib.Path(sys.argv[1])
data_dir = pathlib.Path(sys.argv[2])
failures = []


def validator(name):
    schema = json.loads((schema_dir / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def examples(md):
    """The complete JSON examples of a prose doc (blocks with "…" placeholders are skipped)."""
    blocks = re.findall(r"```json\n(.*?)```", (schema_dir / md).read_text(), re.S)
    return [json.loads(b) for b in blocks if "…" not in b]


def expect(ok, what):
    if not ok:
        failures.append(what)


for path in sorted(schema_dir.glob("*.schema.json")):
    validator(path.name)

view = validator("view-v1.schema.json")
event = validator("view-event-v1.schema.json")
folio = validator("folio-v1.schema.json")
manifest = validator("plugin-manifest-v1.schema.json")

full = json.loads((data_dir / "view-valid-full.json").read_text())
expect(not list(view.iter_errors(full)), "view-valid-full.json must be valid")
property_doc = validator("property-v1.schema.json")
expect(not list(event.iter_errors(examples("view-v1.md")[-2])), "view-v1.md folio event example")
page_event = examples("view-v1.md")[-1]
expect(not list(event.iter_errors(page_event)), "view-v1.md page event example")
# An event names its folio or its page (since 1.2), never both and never neither.
expect(list(event.iter_errors(dict(page_event, folio_id="42"))), "must be refused: event with folio and page")
expect(list(event.iter_errors({k: v for k, v in page_event.items() if k != "page_id"})),
       "must be refused: event with neither folio nor page")
expect(not list(property_doc.iter_errors(examples("property-v1.md")[0])), "property-v1.md example")
expect(not list(folio.iter_errors(examples("folio-v1.md")[0])), "folio-v1.md example")
m = examples("plugin-manifest-v1.md")[0]
m.pop("sha256")
expect(not list(manifest.iter_errors(m)), "plugin-manifest-v1.md example")

bad_views = {
    "wrong schema tag": dict(full, schema="pms.view/2"),
    "unknown element type": dict(full, elements=[{"type": "iframe", "src": "x"}]),
    "money as a JSON number": dict(full, elements=[{"type": "form", "fields": [
        {"type": "money", "name": "a", "label": "A", "currency": "RUB", "value": 1550.0}]}]),
    "checkbox with a string": dict(full, elements=[{"type": "form", "fields": [
        {"type": "checkbox", "name": "a", "label": "A", "value": "yes"}]}]),
    "select without options": dict(full, elements=[{"type": "form", "fields": [
        {"type": "select", "name": "a", "label": "A"}]}]),
    "unknown value kind": dict(full, elements=[{"type": "value", "label": "a", "value": "b", "kind": "qr"}]),
    "table without id": dict(full, elements=[{"type": "table", "columns": [{"key": "a", "label": "A"}], "rows": []}]),
    "bad id": dict(full, buttons=[{"id": "has space", "label": "x"}]),
    "missing title": {k: v for k, v in full.items() if k != "title"},
    "download naming a path": dict(full, elements=[{"type": "download", "label": "CSV", "filename": "../x.csv",
                                                    "media_type": "text/csv", "content": "a"}]),
    "download of another media type": dict(full, elements=[{"type": "download", "label": "CSV", "filename": "x.html",
                                                            "media_type": "text/html", "content": "<b>"}]),
}
expect(not list(view.iter_errors(dict(full, elements=[{"type": "download", "label": "CSV", "filename": "report-1.csv",
                                                         "media_type": "text/csv", "content": "a;b\r\n"}]))),
       "a download element must be valid")
for what, doc in bad_views.items():
    expect(list(view.iter_errors(doc)), "must be refused: " + what)

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("schemas ok")
