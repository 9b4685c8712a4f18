from farm_openapi_codegen import generate, schema_to_ts


def test_primitives_and_arrays():
    assert schema_to_ts({"type": "integer"}) == "number"
    assert schema_to_ts({"type": "array", "items": {"type": "string"}}) == "Array<string>"


def test_optional_and_nullable():
    schema = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert schema_to_ts(schema) == "string | null"


def test_objects_mark_optional_fields():
    schema = {"type": "object", "required": ["id"],
              "properties": {"id": {"type": "string"}, "due-date": {"type": "string"}}}
    assert schema_to_ts(schema) == '{ id: string; "due-date"?: string; }'


def test_refs_and_enums():
    assert schema_to_ts({"$ref": "#/components/schemas/Todo"}) == "Todo"
    assert schema_to_ts({"enum": ["open", "done"]}) == '"open" | "done"'


def test_dicts():
    assert schema_to_ts({"type": "object", "additionalProperties": {"type": "integer"}}) == \
        "Record<string, number>"


def test_generate_functions():
    spec = {
        "components": {"schemas": {"Todo": {"type": "object", "properties": {"title": {"type": "string"}}}}},
        "paths": {"/todos/{todo_id}": {"get": {
            "operationId": "read_todo_todos__todo_id__get",
            "responses": {"200": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Todo"}}}}},
        }}},
    }
    code = generate(spec)
    assert "export type Todo = { title?: string; };" in code
    assert "export async function readTodoTodosTodoIdGet(" in code
    assert "Promise<Todo>" in code
    assert "`/todos/${params.todo_id}`" in code
