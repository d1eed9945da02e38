"""The export upload: a file chooser (and drop target) whose file is read in chunks over Solara's
connection, as Solara's own FileDrop reads its files, but with a real ``<input type=file>`` --
what a browser's file dialog, a keyboard user and a browser test can all use."""

from __future__ import annotations

import threading
from typing import Callable

import solara
import traitlets
from solara.components.file_drop import FileDropZone

ACCEPT = ".csv,.tsv,.txt,.xlsx,.parquet,.gz"


class ExportInput(FileDropZone):
    template_file = (__file__, "upload.vue")
    accept = traitlets.Unicode(ACCEPT).tag(sync=True)


@solara.component
def Upload(label: str, on_file: Callable[[dict], None]):
    """Calls ``on_file({"name", "size", "file_obj"})`` in a thread once a file is chosen; the
    callback reads ``file_obj`` (or refuses the file unread, by its size)."""
    info, set_info = solara.use_state(None)
    files, set_files = solara.use_state(None)
    element = ExportInput.element(label=label, on_file_info=set_info, multiple=False)

    def wire():
        if info:
            widget = solara.get_widget(element)
            widget.version += 1
            widget.reset_stats()
            set_files(widget.get_files())

    solara.use_effect(wire, [info])

    def hand_over(cancel: threading.Event):
        if files:
            on_file(files[0])

    result = solara.use_thread(hand_over, [files])
    if result.error:
        raise result.error
    return element
