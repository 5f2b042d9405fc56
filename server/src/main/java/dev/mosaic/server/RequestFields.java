package dev.mosaic.server;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Typed reads of a request's JSON fields. Each refuses a field of the wrong type or out of range
 * with a 400 that names it; an absent (or JSON null) optional field gives the default.
 */
final class RequestFields {
    private RequestFields() {}

    static boolean present(JsonNode body, String field) {
        JsonNode v = body.get(field);
        return v != null && !v.isNull();
    }

    static String string(JsonNode body, String field, String dflt) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw ApiException.badField(field, "'" + field + "' must be a string, got " + kind(v));
        }
        return v.textValue();
    }

    static String requiredString(JsonNode body, String field) {
        String s = string(body, field, null);
        if (s == null) {
            throw ApiException.badField(field, "'" + field + "' is required");
        }
        return s;
    }

    static boolean bool(JsonNode body, String field, boolean dflt) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw ApiException.badField(field, "'" + field + "' must be a boolean, got " + kind(v));
        }
        return v.booleanValue();
    }

    /** An integer in {@code [min, max]}, or {@code null} when absent. */
    static Integer integer(JsonNode body, String field, long min, long max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() && !(v.isNumber() && v.doubleValue() == Math.rint(v.doubleValue()))) {
            throw ApiException.badField(field, "'" + field + "' must be an integer, got " + kind(v));
        }
        if (!v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
            throw ApiException.badField(field, "'" + field + "' must be between " + min + " and " + max + ", got " + v);
        }
        return (int) v.longValue();
    }

    static Long longInteger(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiException.badField(field, "'" + field + "' must be a 64-bit integer, got " + kind(v));
        }
        return v.longValue();
    }

    /** A number in {@code [min, max]} ({@code minExclusive}: above min), or {@code null} when absent. */
    static Double number(JsonNode body, String field, double min, boolean minExclusive, double max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw ApiException.badField(field, "'" + field + "' must be a number, got " + kind(v));
        }
        double d = v.doubleValue();
        if (!(minExclusive ? d > min : d >= min) || d > max || !Double.isFinite(d)) {
            throw ApiException.badField(field, "'" + field + "' must be " + (minExclusive ? "> " : ">= ") + min + " and <= " + max
                    + ", got " + v);
        }
        return d;
    }

    /** What a JSON value is, for messages. */
    static String kind(JsonNode v) {
        if (v.isTextual()) {
            return "a string";
        }
        if (v.isBoolean()) {
            return "a boolean";
        }
        if (v.isNumber()) {
            return "the number " + v;
        }
        if (v.isArray()) {
            return "an array";
        }
        if (v.isObject()) {
            return "an object";
        }
        return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
