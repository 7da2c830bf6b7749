package dev.sluice.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.sluice.rules.RuleError;
import io.envoyproxy.ratelimit.config.ratelimit.v3.RateLimitConfig;
import io.envoyproxy.ratelimit.config.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.ratelimit.config.ratelimit.v3.RateLimitPolicy;
import io.envoyproxy.ratelimit.config.ratelimit.v3.RateLimitReplace;
import io.envoyproxy.ratelimit.config.ratelimit.v3.RateLimitUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one conversion of envoy ratelimit's xDS resources ({@code
 * ratelimit.config.ratelimit.v3.RateLimitConfig}, one per domain) into Sluice's rules: each
 * resource becomes the rules file envoy ratelimit makes of it ({@code ConfigXdsProtoToYaml}),
 * which {@link LiveRules#apply} then validates and merges exactly as the files of a rules
 * directory. The file is named {@code RateLimitConfig <name>} in errors and in the admin API.
 *
 * <p>proto3 cannot tell an unset field from its default: an empty {@code value}, a false flag,
 * no {@code rate_limit} or metadata are left out of the file. A policy's {@code unit} {@code
 * UNKNOWN} is left out only when {@code unlimited} (envoy accepts that), and {@code
 * requests_per_unit} 0 only then too: a counted policy always has both, so {@code UNKNOWN} is
 * reported as an invalid unit and 0 denies every request, as in a file.
 */
final class XdsRules {

  /** The xDS type URL of the resources, as envoy ratelimit asks for them. */
  static final String TYPE_URL =
      "type.googleapis.com/" + RateLimitConfig.getDescriptor().getFullName();

  private static final YAMLMapper YAML = new YAMLMapper();

  private XdsRules() {}

  /**
   * The rules files of {@code resources}, by name, in the order given; a resource that is not a
   * {@code RateLimitConfig} is reported in {@code errors} (named by its position) and left out.
   */
  static Map<String, String> files(List<Any> resources, List<String> errors) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < resources.size(); i++) {
      Any any = resources.get(i);
      if (!any.getTypeUrl().equals(TYPE_URL)) {
        errors.add("resource #" + i + ": expected type " + TYPE_URL + ", got "
            + any.getTypeUrl());
        continue;
      }
      RateLimitConfig config;
      try {
        config = any.unpack(RateLimitConfig.class);
      } catch (InvalidProtocolBufferException e) {
        errors.add("resource #" + i + ": not a RateLimitConfig: " + e.getMessage());
        continue;
      }
      String name = "RateLimitConfig " + (config.getName().isEmpty() ? "#" + i
          : config.getName());
      if (out.containsKey(name)) {
        name = name + " #" + i;
      }
      out.put(name, yaml(config));
    }
    return out;
  }

  /** The rules file envoy ratelimit makes of {@code config}. */
  static String yaml(RateLimitConfig config) {
    ObjectNode root = YAML.createObjectNode();
    root.put("domain", config.getDomain());
    if (config.getDescriptorsCount() > 0) {
      root.set("descriptors", descriptors(config.getDescriptorsList()));
    }
    try {
      return YAML.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a rules file: " + e.getMessage(), e);
    }
  }

  /**
   * {@code errors} without positions: they point into the generated file, which the resource's
   * owner never sees; the resource, the path and the problem remain.
   */
  static List<RuleError> withoutPositions(List<RuleError> errors) {
    List<RuleError> out = new ArrayList<>(errors.size());
    for (RuleError e : errors) {
      out.add(new RuleError(e.file(), 0, 0, e.path(), e.problem()));
    }
    return out;
  }

  private static ArrayNode descriptors(List<RateLimitDescriptor> descriptors) {
    ArrayNode list = YAML.createArrayNode();
    for (RateLimitDescriptor d : descriptors) {
      ObjectNode n = list.addObject();
      n.put("key", d.getKey());
      if (!d.getValue().isEmpty()) {
        n.put("value", d.getValue());
      }
      if (d.hasRateLimit()) {
        n.set("rate_limit", policy(d.getRateLimit()));
      }
      if (d.getDescriptorsCount() > 0) {
        n.set("descriptors", descriptors(d.getDescriptorsList()));
      }
      flag(n, "shadow_mode", d.getShadowMode());
      flag(n, "detailed_metric", d.getDetailedMetric());
      flag(n, "quota_mode", d.getQuotaMode());
      if (d.hasMetadata()) {
        n.set("metadata", metadata(d));
      }
    }
    return list;
  }

  private static ObjectNode policy(RateLimitPolicy p) {
    ObjectNode n = YAML.createObjectNode();
    if (!p.getUnlimited() || p.getUnit() != RateLimitUnit.UNKNOWN) {
      n.put("unit", p.getUnit() == RateLimitUnit.UNRECOGNIZED
          ? "unit number " + p.getUnitValue() : p.getUnit().name());
    }
    if (!p.getUnlimited() || p.getRequestsPerUnit() != 0) {
      n.put("requests_per_unit", Integer.toUnsignedLong(p.getRequestsPerUnit()));
    }
    flag(n, "unlimited", p.getUnlimited());
    if (!p.getName().isEmpty()) {
      n.put("name", p.getName());
    }
    if (p.getReplacesCount() > 0) {
      ArrayNode replaces = n.putArray("replaces");
      for (RateLimitReplace r : p.getReplacesList()) {
        replaces.addObject().put("name", r.getName());
      }
    }
    return n;
  }

  private static JsonNode metadata(RateLimitDescriptor d) {
    try {
      return YAML.readTree(JsonFormat.printer().print(d.getMetadata()));
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw new IllegalStateException("cannot convert metadata: " + e.getMessage(), e);
    }
  }

  private static void flag(ObjectNode n, String key, boolean value) {
    if (value) {
      n.put(key, true);
    }
  }
}
