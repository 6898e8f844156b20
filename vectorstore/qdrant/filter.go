package qdrant

import (
	"fmt"
	"strings"
	"time"

	"github.com/agentloop/agentloop/vectorstore"
	qc "github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Payload keys of every point.
const (
	keyStoreID      = "vector_store_id"
	keyFileID       = "file_id"
	keyFilename     = "filename"
	keyOrdinal      = "chunk_index"
	keyText         = "text"
	keyAttributes   = "attributes"
	keyFileHash     = "file_hash"
	keyChunkID      = "chunk_id"
	keyAvgTerms     = "avg_terms"     // in the registry
	keyTermsVersion = "terms_version" // in the registry
)

// attrPath is the payload path of an attribute: "attributes.<key>", the key
// quoted when it is not a plain identifier (Qdrant's JSON path syntax reads
// `attributes."a.b"` as the key "a.b" inside attributes).
func attrPath(key string) (string, error) {
	plain := key != ""
	for _, r := range key {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '_' && r != '-' {
			plain = false
			break
		}
	}
	if plain {
		return keyAttributes + "." + key, nil
	}
	if strings.ContainsAny(key, "\"\\") {
		return "", fmt.Errorf("%w: qdrant: attribute key %q: a filtered key cannot hold a double quote or backslash", vectorstore.ErrInvalid, key)
	}
	return keyAttributes + `."` + key + `"`, nil
}

// indexKind is the payload index type a filter on a key calls for.
type indexKind = qc.FieldType

// FilterCondition maps an OpenAI attribute filter to one Qdrant condition
// over the points' "attributes" payload object. f must be valid (see
// vectorstore.Filter.Validate). It is exported for inspection and tests;
// [Store.Search] applies it for you, together with the store clause. The
// mapping:
//
//   - eq: a string matches as a keyword, a bool as a bool, a number as the
//     range [v, v] (so 3 equals 3.0; Qdrant's integer match skips floats).
//   - ne, nin: must_not of eq, in; like the embedded store (and unlike
//     Qdrant's match-except), they also match chunks lacking the key.
//   - gt, gte, lt, lte: a number as a range; an RFC 3339 string as a
//     datetime range, which Qdrant compares with attribute strings it can
//     parse as datetimes (it also accepts a few non-RFC 3339 forms, such as
//     a bare date, that the embedded store does not).
//   - in: strings as one keywords match; numbers as ranges and bools as
//     matches, any of them (should).
//   - and, or: a nested filter of must, should.
func FilterCondition(f *vectorstore.Filter) (*qc.Condition, error) {
	return mapFilter(f, nil)
}

// mapFilter is FilterCondition, also reporting each filtered key's payload
// path and the index type its comparison wants to see (when see is set).
func mapFilter(f *vectorstore.Filter, see func(path string, kind indexKind)) (*qc.Condition, error) {
	if see == nil {
		see = func(string, indexKind) {}
	}
	switch f.Type {
	case vectorstore.FilterAnd, vectorstore.FilterOr:
		conds := make([]*qc.Condition, 0, len(f.Filters))
		for i := range f.Filters {
			c, err := mapFilter(&f.Filters[i], see)
			if err != nil {
				return nil, err
			}
			conds = append(conds, c)
		}
		if f.Type == vectorstore.FilterAnd {
			return qc.NewFilterAsCondition(&qc.Filter{Must: conds}), nil
		}
		return qc.NewFilterAsCondition(&qc.Filter{Should: conds}), nil
	}
	path, err := attrPath(f.Key)
	if err != nil {
		return nil, err
	}
	switch f.Type {
	case vectorstore.FilterEq:
		return eqCondition(path, f.Value, see)
	case vectorstore.FilterNe:
		c, err := eqCondition(path, f.Value, see)
		if err != nil {
			return nil, err
		}
		return qc.NewFilterAsCondition(&qc.Filter{MustNot: []*qc.Condition{c}}), nil
	case vectorstore.FilterIn:
		return inCondition(path, f.Value, see)
	case vectorstore.FilterNin:
		c, err := inCondition(path, f.Value, see)
		if err != nil {
			return nil, err
		}
		return qc.NewFilterAsCondition(&qc.Filter{MustNot: []*qc.Condition{c}}), nil
	case vectorstore.FilterGt, vectorstore.FilterGte, vectorstore.FilterLt, vectorstore.FilterLte:
		if s, ok := f.Value.(string); ok {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return nil, fmt.Errorf("%w: qdrant: filter %s on %q: %q is not an RFC 3339 timestamp", vectorstore.ErrInvalid, f.Type, f.Key, s)
			}
			ts := timestamppb.New(t)
			r := &qc.DatetimeRange{}
			switch f.Type {
			case vectorstore.FilterGt:
				r.Gt = ts
			case vectorstore.FilterGte:
				r.Gte = ts
			case vectorstore.FilterLt:
				r.Lt = ts
			default:
				r.Lte = ts
			}
			see(path, qc.FieldType_FieldTypeDatetime)
			return qc.NewDatetimeRange(path, r), nil
		}
		v, ok := vectorstore.AsNumber(f.Value)
		if !ok {
			return nil, fmt.Errorf("%w: qdrant: filter %s on %q: value %v (%T) is neither a number nor a timestamp", vectorstore.ErrInvalid, f.Type, f.Key, f.Value, f.Value)
		}
		r := &qc.Range{}
		switch f.Type {
		case vectorstore.FilterGt:
			r.Gt = &v
		case vectorstore.FilterGte:
			r.Gte = &v
		case vectorstore.FilterLt:
			r.Lt = &v
		default:
			r.Lte = &v
		}
		see(path, qc.FieldType_FieldTypeFloat)
		return qc.NewRange(path, r), nil
	}
	return nil, fmt.Errorf("%w: qdrant: unknown filter type %q", vectorstore.ErrInvalid, f.Type)
}

func eqCondition(path string, v any, see func(string, indexKind)) (*qc.Condition, error) {
	switch x := v.(type) {
	case string:
		see(path, qc.FieldType_FieldTypeKeyword)
		return qc.NewMatchKeyword(path, x), nil
	case bool:
		see(path, qc.FieldType_FieldTypeBool)
		return qc.NewMatchBool(path, x), nil
	}
	n, ok := vectorstore.AsNumber(v)
	if !ok {
		return nil, fmt.Errorf("%w: qdrant: filter value %v (%T) on %s is not a string, number or bool", vectorstore.ErrInvalid, v, v, path)
	}
	see(path, qc.FieldType_FieldTypeFloat)
	return qc.NewRange(path, &qc.Range{Gte: &n, Lte: &n}), nil
}

func inCondition(path string, v any, see func(string, indexKind)) (*qc.Condition, error) {
	elems, ok := vectorstore.AsList(v)
	if !ok || len(elems) == 0 {
		return nil, fmt.Errorf("%w: qdrant: filter value on %s is not a non-empty array", vectorstore.ErrInvalid, path)
	}
	var strs []string
	var conds []*qc.Condition
	for _, e := range elems {
		if s, ok := e.(string); ok {
			strs = append(strs, s)
			continue
		}
		c, err := eqCondition(path, e, see)
		if err != nil {
			return nil, err
		}
		conds = append(conds, c)
	}
	if len(strs) > 0 {
		see(path, qc.FieldType_FieldTypeKeyword)
		conds = append([]*qc.Condition{qc.NewMatchKeywords(path, strs...)}, conds...)
	}
	if len(conds) == 1 {
		return conds[0], nil
	}
	return qc.NewFilterAsCondition(&qc.Filter{Should: conds}), nil
}
