"""The project's JupyterLab server (make lab points JUPYTER_CONFIG_DIR here).

Nothing leaves the machine: it listens on 127.0.0.1 only, fetches no news, checks for no
updates, has no extension manager that would search PyPI and no language-server probe (it ran
npm, which writes logs into the home folder). Chapters (book/*.md) are read and written by
jupytext (settings in jupytext.toml at the root); opening one marks nothing modified.
"""
from ipykernel.ipkernel import IPythonKernel
from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class

c = get_config()  # noqa: F821 (defined by the config loader)

c.ServerApp.ip = "127.0.0.1"
c.ServerApp.terminals_enabled = False
c.ServerApp.jpserver_extensions = {"jupyter_lsp": False}
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.handlers.announcements.NeverCheckForUpdate"
c.LabApp.extension_manager = "readonly"

JupytextManager = build_async_jupytext_contents_manager_class(AsyncLargeFileManager)


class ChapterContentsManager(JupytextManager):
    """jupytext's contents manager, plus the language_info the kernel will report.

    A text notebook carries no language_info; JupyterLab writes the kernel's into the
    notebook when the kernel connects, and that marks a chapter modified the moment it opens.
    Given here on reading (the kernel runs this same interpreter), there is nothing to update.
    jupytext never writes language_info into the .md (its default header filter).
    """

    async def get(self, path, content=True, type=None, format=None, **kwargs):
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        if content and model["type"] == "notebook" and not path.endswith(".ipynb"):
            metadata = model["content"]["metadata"]
            metadata.setdefault("language_info", dict(IPythonKernel.language_info))
        return model


c.ServerApp.contents_manager_class = ChapterContentsManager
