// Compile ahead of time the Python modules the site's worker imports while it starts, with the very
// interpreter the page runs (Pyodide's CPython, loaded by Node from the Pyodide folder), so that the
// reader's browser does not compile them at every load (compiling them is most of loadPyodide's
// time; docs/design.md has the measurement). Called by builder/bytecode.py (which caches the result):
//   node builder/bytecode.mjs JOB_DIR
// JOB_DIR/job.json: {"pyodide": folder, "stdlib": name, "numpy": name, "engine": name,
//   "imports": ["engine.protocol", ...]}; the named zips (the site's standard library, numpy wheel and
// engine) lie in JOB_DIR and are written back beside them as NAME.out.
// After importing `imports` as the worker does, each module that was loaded from one of the zips is
// compiled. In the standard library and the numpy wheel, its .py member becomes a sourceless .pyc
// (zipimport and the path importer both load those), compiled without column positions (tracebacks
// keep line numbers) and with docstrings emptied: bytecode with both is ~40 % larger than the
// source once compressed, and the site's download must stay small. An empty docstring rather than
// none, so code that edits docstrings (numpy's does) still runs. The engine keeps its sources and
// its docstrings (the console shows them) and gains __pycache__/NAME.TAG.pyc beside them.
// Every .pyc is an unchecked hash-based one (PEP 552), valid whatever the files' times; with a
// fixed hash seed the same inputs give the same bytes.
import { readFileSync } from "node:fs";
import path from "node:path";

const dir = path.resolve(process.argv[2] ?? ".");
const job = JSON.parse(readFileSync(path.join(dir, "job.json"), "utf8"));
const { loadPyodide } = await import(path.resolve(job.pyodide, "pyodide.mjs"));
const py = await loadPyodide({
  indexURL: path.resolve(job.pyodide) + "/", stdout: () => {},
  env: { HOME: "/home/pyodide", PYTHONHASHSEED: "0", PYTHONNODEBUGRANGES: "1" },
});
py.FS.mkdirTree("/job");
py.FS.mount(py.FS.filesystems.NODEFS, { root: dir }, "/job");
await py.loadPackage(path.join(dir, job.numpy), { messageCallback: () => {} });
py.unpackArchive(new Uint8Array(readFileSync(path.join(dir, job.engine))), "zip", { extractDir: "/home/pyodide/lib" });
py.globals.set("JOB", JSON.stringify(job));
const report = py.runPython(`
import ast, importlib, importlib.util, io, json, sys, zipfile, zipimport
from importlib._bootstrap_external import _code_to_hash_pyc

job = json.loads(JOB)
sys.path.insert(0, "/home/pyodide/lib")
for name in job["imports"]:
    importlib.import_module(name)
roots = {"stdlib": next(p for p in sys.path if p.endswith(".zip")) + "/",
         "numpy": next(p for p in sys.path if p.endswith("site-packages")) + "/", "engine": "/home/pyodide/lib/"}
used = {k: set() for k in roots}
for module in list(sys.modules.values()):
    f = getattr(module, "__file__", None) or ""
    loader = getattr(getattr(module, "__spec__", None), "loader", None)
    if not isinstance(loader, (zipimport.zipimporter, importlib.machinery.SourceFileLoader)):
        continue  # frozen or built in: its file in the zip is never read
    for k, root in roots.items():
        if f.startswith(root) and f.endswith(".py"):
            used[k].add(f[len(root):])


def bytecode(source, filename, empty_docs):
    tree = ast.parse(source, filename)
    if empty_docs:
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body
                    and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                body[0].value.value = ""
    code = compile(tree, filename, "exec", dont_inherit=True)
    return bytes(_code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False))


for k, root in roots.items():
    out = io.BytesIO()
    with zipfile.ZipFile("/job/" + job[k]) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            name = info.filename
            compiled, keep_source = name in used[k], k == "engine"
            if not compiled or keep_source:
                dst.writestr(info, data, compress_type=info.compress_type)
            if compiled:
                head, _, tail = name.rpartition("/")
                target = (f"{head}/__pycache__/{tail[:-3]}.{sys.implementation.cache_tag}.pyc".lstrip("/")
                          if keep_source else name[:-3] + ".pyc")
                new = zipfile.ZipInfo(target, info.date_time)
                new.external_attr = info.external_attr
                dst.writestr(new, bytecode(data, root + name, empty_docs=not keep_source), compress_type=zipfile.ZIP_DEFLATED)
    with open("/job/" + job[k] + ".out", "wb") as f:
        f.write(out.getvalue())
json.dumps({k: len(v) for k, v in used.items()} | {"python": sys.version.split()[0]})
`);
console.log(report);
