# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's ``main()`` in-process and get its result, the way community collections' unit tests do.

``run_module(module, args)`` gives module args to ``AnsibleModule``, turns ``exit_json`` / ``fail_json`` into the
exceptions ``AnsibleExitJson`` / ``AnsibleFailJson`` carrying the result dict (plus the warnings the module recorded,
as ``warnings``), and returns the result or raises ``AnsibleFailJson``.

Module args are given with ``ansible.module_utils.testing.patch_module_args`` (ansible-core 2.19 and newer); on older
cores the classic ``set_module_args`` fallback patches ``basic._ANSIBLE_ARGS`` the same way.
"""

from __future__ import annotations

import contextlib
import json
from unittest import mock

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as common_warnings

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    @contextlib.contextmanager
    def patch_module_args(args=None):
        """Expose args to AnsibleModule instances created within this context (pre-2.19 cores)."""
        serialized = json.dumps({'ANSIBLE_MODULE_ARGS': args or {}}).encode('utf-8')
        with mock.patch.object(basic, '_ANSIBLE_ARGS', serialized):
            yield


class AnsibleExitJson(Exception):
    """exit_json was called; ``result`` holds its keyword arguments."""

    def __init__(self, result):
        super().__init__(result)
        self.result = result


class AnsibleFailJson(Exception):
    """fail_json was called; ``result`` holds msg and its keyword arguments."""

    def __init__(self, result):
        super().__init__(result.get('msg'))
        self.result = result


def _recorded_warnings():
    try:
        return list(common_warnings.get_warning_messages())
    except AttributeError:  # older cores keep a plain list
        return list(getattr(common_warnings, '_global_warnings', []))


def _clear_warnings():
    container = getattr(common_warnings, '_global_warnings', None)
    if container is not None:
        container.clear()


def exit_json(self, **kwargs):  # pylint: disable=unused-argument
    """Stand-in for AnsibleModule.exit_json."""
    kwargs.setdefault('changed', False)
    warnings = _recorded_warnings()
    if warnings:
        kwargs['warnings'] = warnings
    raise AnsibleExitJson(kwargs)


def fail_json(self, msg, **kwargs):  # pylint: disable=unused-argument
    """Stand-in for AnsibleModule.fail_json."""
    kwargs['failed'] = True
    kwargs['msg'] = msg
    kwargs.pop('exception', None)
    warnings = _recorded_warnings()
    if warnings:
        kwargs['warnings'] = warnings
    raise AnsibleFailJson(kwargs)


@contextlib.contextmanager
def patched_exits():
    """AnsibleModule.exit_json / fail_json raising AnsibleExitJson / AnsibleFailJson within this context."""
    with mock.patch.multiple(basic.AnsibleModule, exit_json=exit_json, fail_json=fail_json):
        yield


def run_module(module, args=None, check_mode=False):
    """Run ``module.main()`` with args; return the exit_json result or raise AnsibleFailJson."""
    args = dict(args or {})
    if check_mode:
        args['_ansible_check_mode'] = True
    _clear_warnings()
    try:
        with patch_module_args(args), patched_exits():
            module.main()
    except AnsibleExitJson as exited:
        return exited.result
    finally:
        _clear_warnings()
    raise AssertionError('the module returned without calling exit_json or fail_json')
