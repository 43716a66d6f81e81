"""Teaching by correction in the main window, and the samples window: store, count, list, delete, export."""

from __future__ import annotations

import numpy as np
from PIL import Image

from digitpad.gui.main.teach import MULTI_DIGIT_HINT, TEACH_HINT
from digitpad.userdata.samples import SampleStore
from tests.gui.gui_helpers import SEVEN, FakePredictor, digit_png, draw_digit, number_strokes, settle, wait_until


def answered(app):
    draw_digit(app.pad, SEVEN)
    wait_until(app.window, lambda: app.answer.state == "certain" and app.teach_row.enabled)


def test_clicking_a_digit_stores_the_drawing_and_clears_the_pad(app):
    assert not app.teach_row.enabled
    answered(app)
    assert app.teach_row.hint == TEACH_HINT
    app.teach_row.buttons[7].invoke()
    assert app.pad.content.is_empty and not app.teach_row.enabled  # ready for the next sample at once
    wait_until(app.window, lambda: app.status.message.startswith("Saved"))
    assert app.status.message == "Saved as a 7 (1 sample of 7)."
    store = SampleStore()
    [sample] = store.list(7)
    assert store.counts()[7] == 1 and sample.input_path.is_file()
    with Image.open(sample.image_path) as image:  # the full drawing, dark ink on white paper
        assert min(image.size) >= 280 and image.getpixel((0, 0)) == 255 and np.asarray(image).min() < 50
    answered(app)
    app.teach_row.buttons[7].invoke()
    wait_until(app.window, lambda: app.status.message == "Saved as a 7 (2 samples of 7).")


def test_a_digit_key_on_the_pad_stores_a_sample(app):
    answered(app)
    app.pad.canvas.focus_force()
    app.window.update()
    app.pad.canvas.event_generate("<KeyPress-3>")
    wait_until(app.window, lambda: app.status.message == "Saved as a 3 (1 sample of 3).")
    assert SampleStore().counts()[3] == 1 and app.pad.content.is_empty


def test_keeping_the_drawing_after_teaching_is_a_setting(app):
    app.settings.clear_after_teaching = False
    answered(app)
    app.teach_row.press(1)
    wait_until(app.window, lambda: app.status.message.startswith("Saved as a 1"))
    assert not app.pad.content.is_empty


def test_a_number_is_not_taught_and_says_why(app):
    draw_digit(app.pad, number_strokes("12"))
    wait_until(app.window, lambda: app.answer.state == "certain")
    assert len(app.answer.reading.digits) == 2
    assert not app.teach_row.enabled and app.teach_row.hint == MULTI_DIGIT_HINT
    app.window.focus_force()
    app.window.event_generate("<KeyPress-4>")
    settle(app.window, 0.2)
    assert sum(SampleStore().counts().values()) == 0 and not app.pad.content.is_empty


def test_an_opened_image_can_be_taught_once(app, tmp_path):
    path = tmp_path / "seven.png"
    digit_png(path, SEVEN)
    app.open_image(path)
    wait_until(app.window, lambda: app.teach_row.enabled)
    app.teach_row.buttons[1].invoke()
    wait_until(app.window, lambda: app.status.message == "Saved as a 1 (1 sample of 1).")
    assert not app.teach_row.enabled  # the same image is not stored twice by accident


def add_samples(counts: dict[int, int]) -> SampleStore:
    store = SampleStore()
    rng = np.random.default_rng(0)
    for digit, count in counts.items():
        for _ in range(count):
            image = np.zeros((28, 28), np.uint8)
            image[6:22, 10 + digit % 5:14 + digit % 5] = 255
            image[rng.integers(4, 24), rng.integers(4, 24)] = 200
            store.add(image, digit, model_input=image / 255.0)
    return store


def test_the_samples_window_counts_lists_deletes_exports_and_notes_damaged_files(app, tmp_path):
    store = add_samples({7: 3, 2: 1})
    damaged = store.root / "4" / "broken.png"
    damaged.parent.mkdir(parents=True, exist_ok=True)
    damaged.write_bytes(b"not a png at all")
    app.menus["Model"].invoke("Your samples…")
    window = app.samples_window
    wait_until(app.window, lambda: window.damaged_count is not None and window.thumbnails_loaded)
    assert window.counts[7] == 3 and window.counts[2] == 1 and window.counts[4] == 1
    assert window.damaged_label.cget("text") == "1 damaged sample file was skipped."
    window.digit_list.selection_set("7")
    wait_until(app.window, lambda: window.digit == 7 and window.thumbnails_loaded)
    assert len(window.shown_ids) == 3 and len(window.canvas.find_withtag("frame")) == 3
    first = window.shown_ids[0]
    x0, y0, x1, y1 = window.canvas.coords(window.canvas.find_withtag(f"sample:{first}")[0])
    window.canvas.event_generate("<ButtonPress-1>", x=int((x0 + x1) / 2), y=int((y0 + y1) / 2))
    assert window.selected == {first} and "Delete 1 selected" in window.delete_button.cget("text")
    window.focus_force()
    window.event_generate("<Delete>")
    assert store.find(first) is None and store.counts()[7] == 2 and window.counts[7] == 2
    wait_until(app.window, lambda: window.thumbnails_loaded)
    assert len(window.shown_ids) == 2
    export = tmp_path / "export"
    window.export(str(export))
    wait_until(app.window, lambda: "Exported" in window.grid_label.cget("text"))
    assert len(list((export / "7").glob("*.png"))) == 2 and len(list((export / "2").glob("*.png"))) == 1
    window.close()


def test_teaching_refreshes_an_open_samples_window(make_app):
    app = make_app(FakePredictor(digit=5))
    app.open_samples()
    window = app.samples_window
    wait_until(app.window, lambda: window.thumbnails_loaded)
    answered(app)
    app.teach_row.press(5)
    wait_until(app.window, lambda: window.counts.get(5) == 1)
