package qdrant

import (
	"github.com/agentloop/agentloop/vectorstore"
	qc "github.com/qdrant/go-client/qdrant"
)

// attrsValue encodes attributes (already validated) as a payload object;
// numbers become doubles.
func attrsValue(a vectorstore.Attributes) *qc.Value {
	fields := make(map[string]*qc.Value, len(a))
	for k, v := range a {
		switch x := v.(type) {
		case string:
			fields[k] = qc.NewValueString(x)
		case bool:
			fields[k] = qc.NewValueBool(x)
		default:
			f, _ := vectorstore.AsNumber(v)
			fields[k] = qc.NewValueDouble(f)
		}
	}
	return qc.NewValueFromFields(fields)
}

// attrsFrom decodes a payload object into attributes, numbers as float64;
// nil for an absent or empty object.
func attrsFrom(v *qc.Value) vectorstore.Attributes {
	fields := v.GetStructValue().GetFields()
	if len(fields) == 0 {
		return nil
	}
	a := make(vectorstore.Attributes, len(fields))
	for k, x := range fields {
		switch y := x.GetKind().(type) {
		case *qc.Value_StringValue:
			a[k] = y.StringValue
		case *qc.Value_BoolValue:
			a[k] = y.BoolValue
		case *qc.Value_DoubleValue:
			a[k] = y.DoubleValue
		case *qc.Value_IntegerValue:
			a[k] = float64(y.IntegerValue)
		}
	}
	return a
}

func payloadInt(p map[string]*qc.Value, key string) int {
	switch v := p[key].GetKind().(type) {
	case *qc.Value_IntegerValue:
		return int(v.IntegerValue)
	case *qc.Value_DoubleValue:
		return int(v.DoubleValue)
	}
	return 0
}
