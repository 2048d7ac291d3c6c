"""Settings files are loaded within limits: any file gives a StackConfig or a ConfigError."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.config.model import StackConfig, load_stack_file, read_stack_file
from components.config.problems import ConfigError

VALID = """\
config:
  aws:region: us-east-1
  mailstack:dns: {provider: zonefile}
  mailstack:domains:
    - name: news.example.com
      sender: ses
      dmarc: {policy: none}
"""
_LOL = "[lol, lol, lol, lol, lol, lol, lol, lol, lol]"
BILLION_LAUGHS = (
    "config:\n  aws:region: us-east-1\n  x:defaultTags:\n"
    f"    a: &a {_LOL}\n"
    + "".join(
        f"    {chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n"
        for i in range(8)
    )
)


def _problems(tmp_path: Path, text: str | bytes) -> str:
    path = tmp_path / "Pulumi.test.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    with pytest.raises(ConfigError) as caught:
        read_stack_file(path)
    return caught.value.render()


def test_a_valid_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text(VALID)
    assert load_stack_file(path).domains[0].name == "news.example.com"


def test_an_alias_bomb_ends_at_once_naming_line_and_column(tmp_path: Path) -> None:
    assert len(BILLION_LAUGHS) < 1000
    message = _problems(tmp_path, BILLION_LAUGHS)
    assert "config.x:defaultTags.b[0]: YAML aliases (*a) are not supported" in message
    assert "line 5, column 12" in message


def test_deep_nesting_is_reported_without_recursion(tmp_path: Path) -> None:
    message = _problems(tmp_path, "config:\n  x:y: " + "[" * 100_000)
    assert "nested deeper than 64 levels" in message
    assert "RecursionError" not in message


def test_duplicate_keys_are_refused_with_their_path(tmp_path: Path) -> None:
    text = VALID.replace(
        "      sender: ses\n", "      sender: ses\n      name: other.example.com\n"
    )
    message = _problems(tmp_path, text)
    assert "config.mailstack:domains[0].name: duplicate key; each key may appear once" in message
    assert "line 7, column 7" in message
    both = "config:\n  domains: []\n  mailstack:domains: []\n"
    assert "config.mailstack:domains: the same setting as config.domains" in _problems(
        tmp_path, both
    )


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-01-01", "2024-01-01"),
    ("2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z"),
    ("{1: a, true: b}", None),
    ("!!binary aGVsbG8=", None),
    ("!!set {a, b}", None),
    ("!!omap [{a: 1}]", None),
    (".inf", None),
    (".nan", None),
    ("!custom x", None),
    ("{? [a, b] : c}", None),
    ("{<<: {a: 1}}", None),
    ("!!bool maybe", None),
    ('!!int ""', None),
    ("!!float xyz", None),
    ("!!timestamp 2024-01-01", "2024-01-01"),
])
def test_every_yaml_type_outside_mailstack_is_passed_on_or_refused_by_key(
    tmp_path: Path, value: str, expected: str | None
) -> None:
    text = f"config:\n  aws:region: us-east-1\n  aws:defaultTags: {value}\n"
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text(text)
    if expected is not None:
        assert read_stack_file(path)["aws:defaultTags"] == expected
    else:
        assert "config.aws:defaultTags" in _problems(tmp_path, text)


def test_oversized_files_and_missing_wrapper_get_clear_messages(tmp_path: Path) -> None:
    assert "larger than 1024 KiB" in _problems(tmp_path, "#" * (1024 * 1024 + 1))
    unwrapped = "aws:region: us-east-1\nmailstack:domains: []\n"
    assert "put the settings under `config:`" in _problems(tmp_path, unwrapped)
    assert "not a text file" in _problems(tmp_path, b"config: \xff\n")
    assert "more than one YAML document" in _problems(tmp_path, "config: {}\n---\nconfig: {}\n")


_scalars = st.one_of(
    st.sampled_from(["a", "1", "-1.5", ".inf", "~", "yes", "2024-01-01", "0x1F", "'q'", "\"\\x07\"",
                     "*a", "&a b", "!!binary x", "!!set", "!x", "<<", "=", "[", "]", "{", "}",
                     ":", "- ", "? ", "|", ">", "#", "%YAML 1.1", "---", "...", "\t", "\x00"]),
    st.text(max_size=8),
    st.builds("{} {}".format,
              st.sampled_from(["!!bool", "!!int", "!!float", "!!null", "!!timestamp", "!!str",
                               "!!binary", "!!map", "!!seq", "!!merge", "!!python/name:os"]),
              st.sampled_from(["", '""', "[a]", "{a: 1}", "0x", "1e999", "maybe"])
              | st.text(max_size=6)),
)
_yamlish = st.lists(st.tuples(st.integers(0, 6), _scalars, _scalars), max_size=12).map(
    lambda lines: "config:\n" + "".join(f"{'  ' * (1 + d)}{k}: {v}\n" for d, k, v in lines)
)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(_yamlish, st.text(max_size=200),
                 st.binary(max_size=200).map(lambda b: b"config:\n" + b)))
def test_any_file_gives_a_stack_config_or_a_config_error(tmp_path: Path, text: str | bytes) -> None:
    path = tmp_path / "Pulumi.any.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    try:
        assert isinstance(load_stack_file(path), StackConfig)
    except ConfigError as error:
        assert error.render()


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12) | st.sampled_from(["ses", "postfix", "zonefile", "news.example.com"]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["name", "sender", "dns", "provider", "dmarc", "policy",
                                       "relay", "spf", "x", "emails"]), inner, max_size=4),
    max_leaves=12,
)
_keys = st.sampled_from(["aws:region", "aws:defaultTags", "mailstack:environment", "mailstack:dns",
                         "mailstack:alerts", "mailstack:domains", "domains", "other:key"])


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(_keys, _json, max_size=5))
def test_any_structured_document_gives_a_stack_config_or_a_config_error(
    tmp_path: Path, config: dict[str, object]
) -> None:
    path = tmp_path / "Pulumi.any.yaml"
    path.write_text(yaml.safe_dump({"config": config}))
    try:
        assert isinstance(load_stack_file(path), StackConfig)
    except ConfigError as error:
        assert error.render()
