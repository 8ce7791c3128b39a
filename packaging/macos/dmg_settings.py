"""dmgbuild settings for Sahara's disk image: the app and a link to /Applications to drag it onto.

    dmgbuild -s packaging/macos/dmg_settings.py -D app=dist/Sahara.app "Sahara Desktop" \\
        dist/sahara-<version>-macos-<arch>.dmg

dmgbuild (PyPI) executes this file with ``defines`` set from the -D options.
"""

# ruff: noqa: F821  (dmgbuild injects `defines`)
import os.path

application = defines.get("app", "dist/Sahara.app")
appname = os.path.basename(application)

format = "UDZO"  # zlib-compressed, readable on every supported macOS
filesystem = "HFS+"
size = None  # computed from the contents
files = [application]
symlinks = {"Applications": "/Applications"}
icon_locations = {appname: (140, 120), "Applications": (400, 120)}
badge_icon = None
window_rect = ((200, 120), (540, 300))
default_view = "icon-view"
show_status_bar = False
show_tab_view = False
show_toolbar = False
show_pathbar = False
show_sidebar = False
arrange_by = None
icon_size = 96
text_size = 13
