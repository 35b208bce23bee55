"""The live monitor: ``trainctl monitor`` serves a page and a JSON API on 127.0.0.1.

Public surface:

- :class:`MonitorServer` (``MonitorServer(workspace, port=8080)``; ``.url``
  is the address with the control secret, ``serve_forever()`` runs it);
- :data:`DEFAULT_PORT`.

Endpoints: ``GET /`` and ``/live_monitor_ui.html`` (the page), ``GET
/api/{info,status,queue,versions,backups,approvals,log}``, and ``POST
/api/control/{stop,pause,resume,skip}`` with ``Authorization: Bearer SECRET``.
"""

from trainer.monitor.server import DEFAULT_PORT, MonitorServer

__all__ = ["DEFAULT_PORT", "MonitorServer"]
