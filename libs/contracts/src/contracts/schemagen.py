"""Generate the committed JSON Schemas of every event and the AsyncAPI document of every topic.

`python -m contracts.schemagen` writes `libs/contracts/schemas/<type>.json` and
`libs/contracts/asyncapi.yaml`. It refuses to overwrite a committed schema with one that is not
backward compatible: such a change needs a new event version (`...v2`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from contracts import topics
from contracts.envelope import Envelope, EventPayload, schema_uri
from contracts.registry import all_events

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "schemas"
ASYNCAPI_PATH = ROOT / "asyncapi.yaml"

TOPIC_DESCRIPTIONS = {
    topics.REFERRALS_CONTACT: "Front-door contacts: opened, conversations, decisions, re-referrals, formulation requests. Key: contact_id.",
    topics.REFERRALS_PERSON: "People registered once and updated. Key: person_id.",
    topics.REFERRALS_ALLOCATION: "Families, their membership and allocation to a RES team and lead worker. Key: family_id.",
    topics.FORMULATION_FORMULATION: "Rethink Formulations: started, completed, superseded, next steps, supervision. Key: lineage_id.",
    topics.FORMULATION_MEETING: "Practice and Progress / Rethink Space meetings and alignment. Key: meeting_id.",
    topics.GOALS_PLAN: "Family plans: sub-goals, scores, actions, closure, feedback. Key: family_id.",
    topics.OUTCOMES_RESPONSE: "Service responses the platform does not own (CP plans, children looked after), ingested. Key: response id.",
    topics.OUTCOMES_STREAM: "The BI team's pseudonymised outcome stream: no names, dates of birth, addresses, NHS numbers or free text. Key: family pseudonym.",
}


def event_schema(cls: type[EventPayload]) -> dict[str, Any]:
    schema = cls.model_json_schema(mode="serialization")
    schema["$id"] = schema_uri(cls.event_type)
    schema["x-event-type"] = cls.event_type
    schema["x-topic"] = cls.topic
    schema["x-key"] = cls.key_field
    return schema


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref and ref.startswith("#/$defs/"):
        return dict(schema.get("$defs", {}).get(ref.split("/")[-1], {}))
    return node


def _types(schema: dict[str, Any], node: dict[str, Any]) -> set[str]:
    node = _resolve(schema, node)
    if "anyOf" in node:
        out: set[str] = set()
        for option in node["anyOf"]:
            out |= _types(schema, option)
        return out
    if "enum" in node:
        return {f"enum:{v}" for v in node["enum"]} | {str(node.get("type", ""))}
    if "const" in node:
        return {f"enum:{node['const']}"}
    kind = str(node.get("type", "object" if "properties" in node else "any"))
    fmt = node.get("format")
    return {f"{kind}:{fmt}" if fmt else kind}


def incompatibilities(old: dict[str, Any], new: dict[str, Any], path: str = "") -> list[str]:
    """Why `new` cannot replace `old` within one event version (empty when it can).

    Allowed: new optional fields, wider types, extra enum values. Not allowed: a field removed,
    a type narrowed or changed, a field that becomes required.
    """
    problems: list[str] = []
    old_props = old.get("properties", {})
    new_props = new.get("properties", {})
    for name, old_node in old_props.items():
        where = f"{path}{name}"
        if name not in new_props:
            problems.append(f"{where}: removed")
            continue
        old_t, new_t = _types(old, old_node), _types(new, new_props[name])
        if not old_t <= new_t and "any" not in new_t:
            problems.append(f"{where}: type {sorted(old_t)} became {sorted(new_t)}")
        old_obj, new_obj = _resolve(old, old_node), _resolve(new, new_props[name])
        if "properties" in old_obj and "properties" in new_obj:
            merged_old = {**old_obj, "$defs": old.get("$defs", {})}
            merged_new = {**new_obj, "$defs": new.get("$defs", {})}
            problems += incompatibilities(merged_old, merged_new, where + ".")
        old_items, new_items = old_obj.get("items"), new_obj.get("items")
        if isinstance(old_items, dict) and isinstance(new_items, dict):
            oi, ni = _resolve(old, old_items), _resolve(new, new_items)
            if "properties" in oi and "properties" in ni:
                problems += incompatibilities(
                    {**oi, "$defs": old.get("$defs", {})},
                    {**ni, "$defs": new.get("$defs", {})},
                    where + "[].",
                )
    newly_required = set(new.get("required", [])) - set(old.get("required", []))
    for name in sorted(newly_required):
        problems.append(f"{path}{name}: became required")
    return problems


def schema_path(event_type: str) -> Path:
    return SCHEMA_DIR / f"{event_type}.json"


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def asyncapi() -> dict[str, Any]:
    events = list(all_events())
    ce_headers = Envelope.model_json_schema()["properties"]
    header_props = {
        f"ce_{name}": {"type": "string", "description": node.get("description", name)}
        for name, node in ce_headers.items()
        if name != "data"
    }
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for cls in events:
        name = cls.event_type.replace(".", "_")
        messages[name] = {
            "name": cls.event_type,
            "title": cls.__name__,
            "summary": (cls.__doc__ or "").strip().split("\n")[0],
            "contentType": "application/json",
            "headers": {
                "type": "object",
                "properties": header_props,
                "required": ["ce_id", "ce_source", "ce_type", "ce_specversion"],
            },
            "payload": {"$ref": f"./schemas/{cls.event_type}.json"},
            "bindings": {"kafka": {"key": {"type": "string", "description": cls.key_field}}},
        }
    for topic in topics.ALL_TOPICS:
        channel_id = topic.replace(".", "_")
        on_topic = [c for c in events if c.topic == topic]
        channels[channel_id] = {
            "address": topic,
            "description": TOPIC_DESCRIPTIONS.get(topic, ""),
            "messages": {
                c.event_type.replace(".", "_"): {
                    "$ref": f"#/components/messages/{c.event_type.replace('.', '_')}"
                }
                for c in on_topic
            },
        }
        dlq_id = channel_id + "_dlq"
        channels[dlq_id] = {
            "address": topics.dead_letter_topic(topic),
            "description": f"Dead letters of {topic}: the original record plus dlq_reason, "
            "dlq_original_topic/partition/offset and dlq_consumer_group headers.",
        }
        if on_topic:
            operations[f"publish_{channel_id}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "summary": f"Published by the {topic.split('.')[0]} service through its outbox.",
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Leeds Practice Model platform events",
            "version": "1.0.0",
            "description": (
                "Every event is a CloudEvent 1.0 in Kafka binary mode: attributes as ce_* "
                "headers (plus ce_correlationid, ce_causationid, ce_traceparent), the payload "
                "as the JSON body, the aggregate id as the key. Within a version only optional "
                "fields are added; readers ignore fields they do not know."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "embedded broker of `make run`",
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def asyncapi_text() -> str:
    text: str = yaml.safe_dump(asyncapi(), sort_keys=False, width=100)
    return text


def main() -> int:
    SCHEMA_DIR.mkdir(exist_ok=True)
    refused: list[str] = []
    for cls in all_events():
        path = schema_path(cls.event_type)
        new = event_schema(cls)
        if path.exists():
            problems = incompatibilities(json.loads(path.read_text()), new)
            if problems:
                refused.append(f"{cls.event_type}: " + "; ".join(problems))
                continue
        path.write_text(dump(new))
    ASYNCAPI_PATH.write_text(asyncapi_text())
    if refused:
        print("Not backward compatible (add a new version instead):", *refused, sep="\n  ")
        return 1
    print(f"wrote {len(list(SCHEMA_DIR.glob('*.json')))} schemas and {ASYNCAPI_PATH.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
