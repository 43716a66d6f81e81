"""Packaging checks that need no build: build.spec, the frozen entry script, the splash screen, desktop entries."""

from __future__ import annotations

import ast
import configparser
import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest
from PIL import Image

import digitpad
from digitpad import APP_NAME, __version__, frozen_entry
from digitpad.bundle import desktop, splash
from digitpad.gui import splash_watch
from digitpad.inference import ensemble, runtime
from digitpad.storage.hashing import file_sha256

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "build.spec"
ASSETS = ROOT / "assets"


# -- build.spec -------------------------------------------------------------------------------------------------
class _Recorder:
    """Stands in for a PyInstaller build target: records its arguments."""

    calls: list[tuple[str, tuple, dict]] = []

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        _Recorder.calls.append((type(self).__name__, args, kwargs))
        self.binaries, self.datas, self.pure, self.scripts = [], list(kwargs.get("datas", [])), [], []


def _fake_targets() -> dict[str, type]:
    return {name: type(name, (_Recorder,), {}) for name in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE", "Splash")}


def _fake_versioninfo() -> types.ModuleType:
    module = types.ModuleType("PyInstaller.utils.win32.versioninfo")
    for name in ("VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct",
                 "VarFileInfo", "VarStruct"):
        setattr(module, name, type(name, (_Recorder,), {}))
    return module


def run_spec(tmp_path: Path, monkeypatch, platform: str, with_model: bool = True) -> dict[str, list]:
    """Execute build.spec as PyInstaller would, with recording stand-ins, for `platform`; calls by target."""
    specpath = tmp_path / "repo"
    shutil.copytree(ASSETS, specpath / "assets", ignore=shutil.ignore_patterns("model.keras", "model_report"))
    if with_model:
        model = specpath / "assets" / "model.keras"
        model.write_bytes(b"placeholder")
        flatbuffer, record = runtime.sidecar_paths(model)
        flatbuffer.write_bytes(b"lite placeholder")
        record.write_text(json.dumps({"keras_sha256": file_sha256(model)}))
    (specpath / "digitpad").mkdir()
    (specpath / "digitpad" / "frozen_entry.py").write_text("")
    monkeypatch.setattr(sys, "platform", platform)
    # A stand-in version-info module under stand-in packages: the test needs neither PyInstaller nor Windows.
    versioninfo = _fake_versioninfo()
    packages = {name: types.ModuleType(name) for name in ("PyInstaller", "PyInstaller.utils", "PyInstaller.utils.win32")}
    for name, module in packages.items():
        module.__path__ = []
        monkeypatch.setitem(sys.modules, name, module)
    packages["PyInstaller.utils.win32"].versioninfo = versioninfo
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.win32.versioninfo", versioninfo)
    monkeypatch.setattr(sys, "path", list(sys.path))
    _Recorder.calls = []
    namespace = {"SPECPATH": str(specpath), "workpath": str(tmp_path / "work"), "DISTPATH": str(tmp_path / "dist"),
                 "__file__": str(SPEC), **_fake_targets()}
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    calls: dict[str, list] = {}
    for name, args, kwargs in _Recorder.calls:
        calls.setdefault(name, []).append((args, kwargs))
    calls["namespace"] = [namespace]
    return calls


def test_spec_imports_name_and_version_from_the_package_and_hardcodes_neither():
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module == "digitpad"]
    assert imports and {"APP_NAME", "__version__"} <= {alias.name for node in imports for alias in node.names}
    literals = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert __version__ not in literals, "the version is written into build.spec instead of imported"


@pytest.mark.parametrize("platform", ["linux", "win32"])
def test_spec_builds_one_named_file_with_model_splash_and_version(tmp_path, monkeypatch, platform):
    calls = run_spec(tmp_path, monkeypatch, platform)
    (exe_args, exe), = calls["EXE"]
    assert exe["name"] == APP_NAME
    assert exe["console"] is (platform == "linux"), "windowed on Windows, console on Linux"
    assert "COLLECT" not in calls and "BUNDLE" not in calls, "Linux and Windows get a single file"
    (analysis_args, analysis), = calls["Analysis"]
    assert analysis_args[0][0].replace("\\", "/").endswith("digitpad/frozen_entry.py")
    bundled = {(Path(source).name, dest) for source, dest in analysis["datas"]}
    assert ("model.keras", "assets") in bundled and ("icon.png", "assets") in bundled
    assert ("model.tflite", "assets") in bundled and ("model.tflite.json", "assets") in bundled, "LiteRT copy"
    opinions = ensemble.read_second_opinions(ASSETS / "model.keras").models
    assert opinions, "the bundled model has a second opinion (README)"
    assert ("model.ensemble.json", "assets") in bundled
    for opinion in opinions:
        assert {(opinion.name, "assets"), (opinion.with_suffix(".tflite").name, "assets"),
                (opinion.with_suffix(".tflite").name + ".json", "assets")} <= bundled, "a second opinion and its copy"
    assert (f"{APP_NAME}.desktop", "assets") in bundled, "desktop.py needs the template inside the bundle"
    readers = ("number_reader", "number_reader_member1", "number_reader_member2", "number_reader_member3")
    assert {(f"{reader}.tflite", "assets") for reader in readers} <= bundled, "every reader"
    assert {("report.json", f"assets/{reader}_report") for reader in readers} <= bundled, "the readers' reports"
    (splash_args, splash_kwargs), = calls["Splash"]
    assert Path(splash_args[0]).name == "splash.png" and Path(splash_args[0]).is_file()
    assert any(item is not None and type(item).__name__ == "Splash" for item in exe_args), "Splash not in EXE"
    if platform == "win32":
        assert Path(exe["icon"]).name == "icon.ico" and Path(exe["icon"]).is_file()
        assert type(exe["version"]).__name__ == "VSVersionInfo"
        strings = dict(args for args, _ in calls["StringStruct"])
        assert strings["ProductVersion"] == strings["FileVersion"] == __version__
        assert strings["OriginalFilename"] == f"{APP_NAME}.exe"
    else:
        assert exe["version"] is None


def test_spec_makes_a_macos_app_bundle_without_splash(tmp_path, monkeypatch):
    calls = run_spec(tmp_path, monkeypatch, "darwin")
    assert "Splash" not in calls, "PyInstaller has no splash screen on macOS"
    (_, bundle), = calls["BUNDLE"]
    assert bundle["name"] == f"{APP_NAME}.app" and bundle["version"] == __version__
    assert bundle["info_plist"]["CFBundleShortVersionString"] == __version__
    assert Path(bundle["icon"]).name == "icon.icns" and Path(bundle["icon"]).is_file()
    (_, exe), = calls["EXE"]
    assert exe["console"] is False and exe["exclude_binaries"] is True


def test_spec_refuses_to_build_without_the_model(tmp_path, monkeypatch):
    with pytest.raises(SystemExit, match="model.keras"):
        run_spec(tmp_path, monkeypatch, "linux", with_model=False)


def _top_level_imports(package: Path) -> set[str]:
    names = set()
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_spec_excludes_nothing_digitpad_imports(tmp_path, monkeypatch):
    calls = run_spec(tmp_path, monkeypatch, "linux")
    excluded = calls["Analysis"][0][1]["excludes"]
    imported = _top_level_imports(ROOT / "digitpad")
    clashes = sorted(name for name in imported for module in excluded
                     if name == module or name.startswith(module + "."))
    assert not clashes, f"build.spec excludes modules digitpad imports: {clashes}"


# -- assets made for the build ------------------------------------------------------------------------------------
def test_splash_and_platform_icons_exist_in_the_right_shape():
    with Image.open(ASSETS / "splash.png") as image:
        assert image.format == "PNG" and image.size == splash.SPLASH_SIZE
        colours = image.convert("RGB").getcolors(1 << 20)
        assert (255, 0, 255) not in {colour for _, colour in colours}, "magenta is transparent in Windows splashes"
    with Image.open(ASSETS / "icon.ico") as image:
        assert (256, 256) in image.info["sizes"] and (16, 16) in image.info["sizes"]
    with Image.open(ASSETS / "icon.icns") as image:
        assert image.format == "ICNS"


def test_platform_icons_can_be_regenerated(tmp_path):
    shutil.copy(ASSETS / "icon.png", tmp_path / "icon.png")
    written = desktop.write_platform_icons(tmp_path)
    assert [path.name for path in written] == ["icon.ico", "icon.icns"]
    with Image.open(tmp_path / "icon.ico") as image:
        assert (48, 48) in image.info["sizes"]


# -- frozen_entry -------------------------------------------------------------------------------------------------
CHILD_WITHOUT_STREAMS = r"""
import json, sys
result = {"stdout_was_none": sys.stdout is None, "stderr_was_none": sys.stderr is None}
sys.frozen = True  # take the frozen-only paths (splash, console) as the executable does
from digitpad import frozen_entry
frozen_entry.prepare_streams()
sys.stdout.write("x" * 100_000)  # what a Keras progress bar does
sys.stdout.flush()
print("progress", file=sys.stderr, flush=True)
result["isatty"] = sys.stdout.isatty()
result["version_status"] = frozen_entry.run(["--version"])
result["usage_status"] = frozen_entry.run(["classify", "/no/such/folder/for/digitpad"])
with open(sys.argv[1], "w") as report:
    json.dump(result, report)
"""


@pytest.mark.skipif(os.name != "posix", reason="closes file descriptors 1 and 2 before exec")
def test_frozen_entry_survives_missing_stdout_and_stderr(tmp_path):
    """A windowed executable has sys.stdout and sys.stderr set to None; writes must not crash."""
    report = tmp_path / "report.json"

    def close_standard_streams():
        os.close(1)
        os.close(2)

    completed = subprocess.run([sys.executable, "-c", CHILD_WITHOUT_STREAMS, str(report)], cwd=ROOT,
                               stdin=subprocess.DEVNULL, preexec_fn=close_standard_streams, timeout=120)
    assert completed.returncode == 0, "the child crashed (its stderr was closed: rerun the script by hand)"
    result = json.loads(report.read_text())
    assert result == {"stdout_was_none": True, "stderr_was_none": True, "isatty": False,
                      "version_status": 0, "usage_status": 2}


def test_frozen_entry_runs_the_command_line_as_the_executable_would():
    completed = subprocess.run([sys.executable, "-m", "digitpad.frozen_entry", "--version"], cwd=ROOT,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == f"{APP_NAME} {__version__}"


def test_prepare_streams_replaces_only_missing_streams(monkeypatch):
    original_stderr = sys.stderr
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stdin", None)
    frozen_entry.prepare_streams()
    try:
        assert sys.stdout is not None and sys.stdout.write("discarded") == len("discarded")
        assert sys.stdin.read() == ""
        assert sys.stderr is original_stderr
    finally:
        sys.stdout.close()
        sys.stdin.close()


def test_macos_process_serial_number_is_dropped():
    assert frozen_entry.strip_macos_process_serial_number(["-psn_0_1234567"]) == []
    assert frozen_entry.strip_macos_process_serial_number(["classify", "a.png"]) == ["classify", "a.png"]


def test_no_console_attach_outside_windows():
    if sys.platform != "win32":
        assert frozen_entry.attach_parent_console() is False


# -- splash -------------------------------------------------------------------------------------------------------
def test_close_splash_is_a_no_op_outside_a_bundle(monkeypatch):
    monkeypatch.setattr(splash, "_closed", False)
    monkeypatch.delattr(sys, "frozen", raising=False)
    monkeypatch.delitem(sys.modules, "pyi_splash", raising=False)
    assert splash.close_splash() is None
    assert splash.close_splash() is None
    assert "pyi_splash" not in sys.modules


def test_close_splash_without_a_splash_screen_does_not_import_pyi_splash(tmp_path, monkeypatch):
    """Frozen but no splash shown (no display): importing pyi_splash would print a warning with a traceback."""
    (tmp_path / "pyi_splash.py").write_text("def is_alive():\n    return True\n\ndef close():\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(splash, "_closed", False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.delenv(splash.SPLASH_IPC_ENV_VAR, raising=False)
    monkeypatch.delitem(sys.modules, "pyi_splash", raising=False)
    try:
        splash.close_splash()
        assert "pyi_splash" not in sys.modules
    finally:
        sys.modules.pop("pyi_splash", None)


def test_close_splash_closes_once_and_never_raises(monkeypatch):
    closed = []

    def close():
        closed.append(True)
        raise ConnectionError("bootloader gone")

    fake = types.SimpleNamespace(is_alive=lambda: not closed, close=close)
    monkeypatch.setattr(splash, "_closed", False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setitem(sys.modules, "pyi_splash", fake)
    splash.close_splash()
    splash.close_splash()
    assert closed == [True]


def test_frozen_entry_closes_the_splash_once_the_first_window_is_visible(monkeypatch):
    """The safety net for a run_app that does not close the splash screen itself."""
    import gc
    import time
    import tkinter

    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        if os.environ.get("DIGITPAD_REQUIRE_GUI") == "1":
            pytest.fail("DIGITPAD_REQUIRE_GUI=1 but $DISPLAY is not set")
        pytest.skip("no display (run under xvfb-run)")
    closed = []
    monkeypatch.setattr(splash, "_closed", False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setitem(sys.modules, "pyi_splash",
                        types.SimpleNamespace(is_alive=lambda: not closed, close=lambda: closed.append(True)))
    monkeypatch.setattr(tkinter.Tk, "__init__", tkinter.Tk.__init__)  # put back whatever happens
    splash_watch.close_splash_when_window_visible()
    root = tkinter.Tk()
    try:
        assert not closed, "closed before the window could be visible"
        deadline = time.monotonic() + 10
        while not closed and time.monotonic() < deadline:
            root.update()
            time.sleep(0.02)
        assert closed == [True] and root.winfo_viewable()
        second = tkinter.Tk()  # only the first root window is watched
        second.destroy()
    finally:
        root.destroy()
        del root
        gc.collect()


# -- desktop entry ------------------------------------------------------------------------------------------------
def _exec_argv(value: str) -> list[str]:
    """An Exec value as a launcher reads it (Desktop Entry Specification): string escapes first, then the
    quoting rules (inside double quotes a backslash escapes ", `, $ and itself), then %% -> %."""
    unescaped = value.replace("\\\\", "\0").replace("\\s", " ").replace("\\n", "\n").replace("\\t", "\t")
    unescaped = unescaped.replace("\0", "\\")
    arguments, current, quoted, index = [], None, False, 0
    while index < len(unescaped):
        character = unescaped[index]
        if quoted and character == "\\" and unescaped[index + 1:index + 2] in ('"', "`", "$", "\\"):
            current += unescaped[index + 1]
            index += 1
        elif character == '"':
            quoted = not quoted
            current = current or ""
        elif character == " " and not quoted:
            if current is not None:
                arguments.append(current)
            current = None
        else:
            current = (current or "") + character
        index += 1
    assert not quoted, f"unbalanced quotes in {value!r}"
    if current is not None:
        arguments.append(current)
    return [argument.replace("%%", "%") for argument in arguments]


@pytest.mark.parametrize("folder_name", ["plain", "with space", "odd $dollar \"quote\" `tick` 100% back\\slash"])
def test_install_desktop_entry_writes_a_valid_entry_and_icon(tmp_path, monkeypatch, folder_name):
    if os.name == "nt" and any(character in folder_name for character in '"\\'):
        pytest.skip("not a valid Windows file name")
    data_home = tmp_path / "data home"
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    executable = tmp_path / folder_name / APP_NAME
    executable.parent.mkdir()
    executable.write_bytes(b"#!/bin/sh\n")
    executable.chmod(0o755)

    written = desktop.install_desktop_entry(executable)

    entry_path = data_home / "applications" / f"{APP_NAME}.desktop"
    icon_path = data_home / "icons" / "hicolor" / "256x256" / "apps" / f"{APP_NAME}.png"
    assert written == [entry_path, icon_path]
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(entry_path.read_text(encoding="utf-8"))
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Name"] == APP_NAME and entry["Terminal"] == "false"
    assert _exec_argv(entry["Exec"]) == [str(executable), "%F"]  # files opened with it come as arguments
    assert {"image/png", "image/jpeg"} <= set(entry["MimeType"].rstrip(";").split(";"))
    assert entry["TryExec"].replace("\\\\", "\\") == str(executable)
    assert entry["Icon"] == icon_path.stem
    assert "@" not in entry_path.read_text(encoding="utf-8"), "a template placeholder was left"
    with Image.open(icon_path) as icon:
        assert icon.format == "PNG" and icon.size == (256, 256)
    validator = shutil.which("desktop-file-validate")
    if validator:
        completed = subprocess.run([validator, str(entry_path)], capture_output=True, text=True)
        assert completed.returncode == 0 and "error" not in completed.stdout.lower(), completed.stdout


def test_install_desktop_entry_without_xdg_data_home_uses_local_share(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    executable = tmp_path / APP_NAME
    executable.write_bytes(b"")
    written = desktop.install_desktop_entry(executable)
    assert written[0] == tmp_path / ".local" / "share" / "applications" / f"{APP_NAME}.desktop"


def test_install_desktop_entry_refuses_a_missing_executable(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError):
        desktop.install_desktop_entry(tmp_path / "nothing here")
    assert not (tmp_path / "applications").exists()


def test_current_executable_is_the_frozen_file_or_the_digitpad_command(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "dist" / APP_NAME))
    assert desktop.current_executable() == tmp_path / "dist" / APP_NAME
    monkeypatch.delattr(sys, "frozen")
    script = tmp_path / "bin" / APP_NAME
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    monkeypatch.setattr(sys, "argv", [str(script), "install-desktop"])
    assert desktop.current_executable() == script.resolve()


def test_package_version_is_the_one_the_command_line_reports():
    assert digitpad.__version__ == __version__ and APP_NAME == "digitpad"


def test_frozen_entry_opens_the_window_for_images_and_runs_commands_in_the_terminal(monkeypatch, tmp_path):
    """`digitpad.exe a.png` (Open with) is the window, with its splash screen; `digitpad.exe classify` is a command."""
    from digitpad.cli import main as cli_main

    seen = []
    monkeypatch.setattr(cli_main, "main", lambda argv: seen.append(("main", argv)) or 0)
    monkeypatch.setattr(splash_watch, "close_splash_when_window_visible", lambda: seen.append(("watch",)))
    monkeypatch.setattr(splash, "close_splash", lambda: seen.append(("close",)))
    image = str(tmp_path / "a.png")
    assert frozen_entry.run([image]) == 0
    assert seen == [("watch",), ("main", [image])]
    seen.clear()
    assert frozen_entry.run(["-psn_0_1", "classify", image]) == 0
    assert seen == [("close",), ("main", ["classify", image])]
