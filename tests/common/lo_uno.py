"""What the UNO scripts of the tests share: a headless LibreOffice of their own, driven
through its scripting bridge, and the documents it opens and saves.

Imported by lo_insert_rows.py and lo_fill_inputs.py, which tests/common/lo.rs writes
beside it in a throw-away folder.
"""
import contextlib
import os
import subprocess
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


@contextlib.contextmanager
def office(soffice, profile):
    """A LibreOffice of its own (PROFILE is a throw-away user profile's URL): its
    desktop, terminated on the way out whatever happened."""
    pipe = "tonghop_uno_%d" % os.getpid()
    desktop = None
    proc = subprocess.Popen(
        [
            soffice,
            "-env:UserInstallation=" + profile,
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--norestore",
            "--nolockcheck",
            "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % pipe,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        ctx = None
        deadline = time.time() + 90
        while ctx is None:
            try:
                ctx = resolver.resolve(
                    "uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe
                )
            except NoConnectException:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        desktop = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", ctx
        )
        yield desktop
    finally:
        try:
            if desktop is not None:
                desktop.terminate()
        except Exception:
            pass
        try:
            proc.wait(timeout=30)
        except Exception:
            proc.kill()


def load(desktop, path):
    return desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(os.path.abspath(path)),
        "_blank",
        0,
        (prop("Hidden", True),),
    )


def save_xlsx(doc, path):
    """Recalculate and save as Excel 2007-365, as a unit saving from LibreOffice does."""
    doc.calculateAll()
    doc.storeToURL(
        uno.systemPathToFileUrl(os.path.abspath(path)),
        (prop("FilterName", "Calc MS Excel 2007 XML"),),
    )
    doc.close(True)
