package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.enforcement.Enforcer;
import dev.sluice.rules.Descriptor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The reservation id of {@code /v1/reserve}, which {@code /v1/settle} takes back: what any
 * instance of the service needs to settle it, in URL-safe base64 of a small JSON object (the
 * domain, each descriptor's entries and its hold id). It is not a secret about the request, and
 * needs no signature: a hold is found only under the counter key its descriptor matches and by
 * its hold id (128 random bits), so an id changed or made up finds nothing.
 */
final class ReservationIds {

  /** The longest id accepted: far above any id of {@code max-descriptors} descriptors. */
  static final int MAX_LENGTH = 64 * 1024;

  /** A decoded id: the domain, the descriptors and their hold ids (null: nothing held). */
  record Reservation(String domain, List<Descriptor> descriptors,
      List<@Nullable String> holdIds) {}

  private ReservationIds() {}

  static String encode(String domain, Enforcer.Held held) {
    ObjectNode root = HttpApi.JSON.createObjectNode();
    root.put("domain", domain);
    ArrayNode parts = root.putArray("parts");
    for (int i = 0; i < held.descriptors().size(); i++) {
      ObjectNode part = parts.addObject();
      ArrayNode entries = part.putArray("entries");
      for (Descriptor.Entry e : held.descriptors().get(i).entries()) {
        entries.addArray().add(e.key()).add(e.value());
      }
      String id = held.holdIds().get(i);
      if (id != null) {
        part.put("hold", id);
      }
    }
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(root.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The reservation {@code id} names; a {@link EnvoyProtocol.BadRequestException} if none. */
  static Reservation decode(String id) {
    if (id.isEmpty() || id.length() > MAX_LENGTH) {
      throw notAnId();
    }
    JsonNode root;
    try {
      root = HttpApi.JSON.readTree(Base64.getUrlDecoder().decode(id));
    } catch (Exception e) { // not base64, or not JSON
      throw notAnId();
    }
    if (root == null || !root.isObject() || !root.path("domain").isTextual()
        || !root.path("parts").isArray() || root.path("parts").isEmpty()) {
      throw notAnId();
    }
    List<Descriptor> descriptors = new ArrayList<>();
    List<@Nullable String> holds = new ArrayList<>();
    for (JsonNode part : root.get("parts")) {
      JsonNode entries = part.path("entries");
      if (!entries.isArray() || entries.isEmpty()) {
        throw notAnId();
      }
      List<Descriptor.Entry> list = new ArrayList<>();
      for (JsonNode e : entries) {
        if (!e.isArray() || e.size() != 2 || !e.get(0).isTextual() || !e.get(1).isTextual()
            || e.get(0).asText().isEmpty()) {
          throw notAnId();
        }
        list.add(new Descriptor.Entry(e.get(0).asText(), e.get(1).asText()));
      }
      JsonNode hold = part.get("hold");
      if (hold != null && (!hold.isTextual() || hold.asText().isEmpty())) {
        throw notAnId();
      }
      descriptors.add(Descriptor.of(list));
      holds.add(hold == null ? null : hold.asText());
    }
    return new Reservation(root.get("domain").asText(), descriptors, holds);
  }

  private static EnvoyProtocol.BadRequestException notAnId() {
    return new EnvoyProtocol.BadRequestException(
        "reservation is not a reservation id of /v1/reserve");
  }
}
