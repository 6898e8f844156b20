package tools_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
)

type WeatherArgs struct {
	City string `json:"city" jsonschema:"description=City name"`
	Unit string `json:"unit,omitempty" jsonschema:"enum=c,enum=f"`
}

func ExampleNewFunc() {
	weather, err := tools.NewFunc("get_weather", "Current weather for a city",
		func(ctx context.Context, in WeatherArgs) (string, error) {
			if in.Unit == "" {
				in.Unit = "c"
			}
			return fmt.Sprintf("18°%s and sunny in %s", in.Unit, in.City), nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	def, _ := json.Marshal(weather.Definition())
	fmt.Println(string(def))

	out, err := weather.Call(context.Background(), `{"city":"Paris","unit":null}`)
	fmt.Println(out.Text, err)

	_, err = weather.Call(context.Background(), `{"city":"Paris","unit":"kelvin"}`)
	fmt.Println(err)
	// Output:
	// {"type":"function","name":"get_weather","description":"Current weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string","description":"City name"},"unit":{"type":["string","null"],"enum":["c","f",null]}},"required":["city","unit"],"additionalProperties":false},"strict":true}
	// 18°c and sunny in Paris <nil>
	// invalid arguments for tool get_weather: $.unit: "kelvin" is not one of "c", "f", null
}

func ExampleSchemaFor() {
	type Step struct {
		Title string `json:"title"`
		Done  *bool  `json:"done" jsonschema:"description=null when unknown"`
	}
	type Plan struct {
		Steps []Step `json:"steps" jsonschema:"minItems=1"`
	}
	schema, err := tools.SchemaFor[Plan]()
	if err != nil {
		fmt.Println(err)
		return
	}
	var pretty bytes.Buffer
	_ = json.Indent(&pretty, schema, "", "  ")
	fmt.Println(pretty.String())
	// Output:
	// {
	//   "type": "object",
	//   "properties": {
	//     "steps": {
	//       "type": "array",
	//       "items": {
	//         "type": "object",
	//         "properties": {
	//           "title": {
	//             "type": "string"
	//           },
	//           "done": {
	//             "type": [
	//               "boolean",
	//               "null"
	//             ],
	//             "description": "null when unknown"
	//           }
	//         },
	//         "required": [
	//           "title",
	//           "done"
	//         ],
	//         "additionalProperties": false
	//       },
	//       "minItems": 1
	//     }
	//   },
	//   "required": [
	//     "steps"
	//   ],
	//   "additionalProperties": false
	// }
}

func ExampleNewFuncRaw() {
	search, err := tools.NewFuncRaw("search", "Search the docs",
		json.RawMessage(`{"type":"object","properties":{"query":{"type":"string"}},"required":["query"],"additionalProperties":false}`),
		true,
		func(ctx context.Context, arguments string) (responses.ToolOutput, error) {
			var in struct{ Query string }
			if err := json.Unmarshal([]byte(arguments), &in); err != nil {
				return responses.ToolOutput{}, err
			}
			return responses.ToolOutput{Text: "3 results for " + in.Query}, nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := search.Call(context.Background(), `{"query":"strict mode"}`)
	fmt.Println(out.Text, err)
	_, err = search.Call(context.Background(), `{"q":"strict mode"}`)
	fmt.Println(err)
	// Output:
	// 3 results for strict mode <nil>
	// invalid arguments for tool search: 2 problems: $: missing required property "query"; $: unknown property "q" (allowed: query)
}

func ExampleValidator() {
	schema, err := tools.SchemaFor[WeatherArgs]()
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := tools.NewValidator(schema)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v.Validate([]byte(`{"city":"Oslo","unit":null}`)))
	fmt.Println(v.Validate([]byte(`{"city":7,"unit":"k"}`)))
	fmt.Println(v.Validate([]byte(`{"city":"Oslo",`)))
	// Output:
	// <nil>
	// 2 problems: $.city: expected string, got number 7; $.unit: "k" is not one of "c", "f", null
	// not valid JSON: unexpected end of JSON input (the document is truncated: "{\"city\":\"Oslo\",")
}
