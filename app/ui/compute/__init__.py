"""The Compute page's views (``app.ui.pages.compute`` is the page): this computer, the worker and
its rules, the current job's checks, earnings; ``link`` follows the running worker for the page and
the tray."""
