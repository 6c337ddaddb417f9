"""The CLI root: sub-command discovery, and the constants the light sub-command modules mirror."""

from healthdesk.cli import build_parser, whoop
from healthdesk.cloud import oauth


def test_whoop_cli_mirrors_the_oauth_redirect_defaults():
    assert (whoop.DEFAULT_REDIRECT_PORT, whoop.DEFAULT_REDIRECT_PATH) == (
        oauth.DEFAULT_REDIRECT_PORT,
        oauth.DEFAULT_REDIRECT_PATH,
    )


def test_every_feature_registers_its_sub_commands():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # argparse keeps no public accessor
    for name in ("import-frames", "export-records", "band", "whoop", "derive", "summary", "export", "share"):
        assert name in commands, name
