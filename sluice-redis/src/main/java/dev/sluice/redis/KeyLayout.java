package dev.sluice.redis;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Redis key names: {@code <prefix>{<escaped key>}:<limit id>}.
 *
 * <ul>
 *   <li>The user's key is escaped ({@code %} → {@code %25}, <code>{</code> → {@code %7B},
 *       <code>}</code> → {@code %7D}), so distinct keys give distinct names and a key cannot
 *       close the hash tag early to pick its Cluster slot.
 *   <li>All limits of one key share the hash tag: one slot, so one script sees them atomically.
 *   <li>A hold ({@code KeyedLimits.holdAsync}) is the key {@code <first state key>:hold:<id>}.
 *   <li>The limit id holds the algorithm, count, period, burst, name and calendar period (when
 *       there is one), so two limits on one key never share state; a repeated identical limit
 *       gets a {@code #n} suffix.
 * </ul>
 */
final class KeyLayout {

  private final String prefix;
  private final String[] suffixes;

  KeyLayout(String prefix, List<Limit> limits) {
    checkPrefix(prefix);
    this.prefix = prefix;
    this.suffixes = new String[limits.size()];
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < suffixes.length; i++) {
      String id = limitId(limits.get(i));
      int n = seen.merge(id, 1, Integer::sum);
      suffixes[i] = "}:" + (n == 1 ? id : id + "#" + n);
    }
  }

  static void checkPrefix(String prefix) {
    if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
      throw new IllegalArgumentException(
          "keyPrefix must not contain '{' or '}' (they would choose the Cluster slot), was \""
              + prefix + "\"");
    }
  }

  /** The state keys of {@code key}, one per limit, in limit order. */
  String[] keys(String key) {
    String head = prefix + "{" + escape(key);
    String[] keys = new String[suffixes.length];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = head + suffixes[i];
    }
    return keys;
  }

  /**
   * The key of hold {@code holdId} of {@code key}: the first limit's state key followed by {@code
   * :hold:<id>}, so it names the limiter and shares the key's hash tag (one Cluster slot).
   */
  String holdKey(String key, String holdId) {
    return prefix + "{" + escape(key) + suffixes[0] + ":hold:" + holdId;
  }

  /** The hash tag content of {@code key}'s state keys (what Cluster hashes). */
  static String tag(String key) {
    return escape(key);
  }

  static String escape(String key) {
    StringBuilder sb = null;
    for (int i = 0; i < key.length(); i++) {
      char ch = key.charAt(i);
      String rep = switch (ch) {
        case '%' -> "%25";
        case '{' -> "%7B";
        case '}' -> "%7D";
        default -> null;
      };
      if (rep != null) {
        if (sb == null) {
          sb = new StringBuilder(key.length() + 8).append(key, 0, i);
        }
        sb.append(rep);
      } else if (sb != null) {
        sb.append(ch);
      }
    }
    return sb == null ? key : sb.toString();
  }

  private static String limitId(Limit l) {
    String id = shortName(l.algorithm()) + ":" + l.count() + ":" + l.periodMicros() + ":"
        + l.burst() + ":" + l.name();
    return l.calendar().isPresent() ? id + ":" + l.calendar().get().text() : id;
  }

  private static String shortName(Algorithm a) {
    return switch (a) {
      case TOKEN_BUCKET -> "tb";
      case GCRA -> "gcra";
      case FIXED_WINDOW -> "fw";
      case SLIDING_WINDOW_LOG -> "swl";
      case SLIDING_WINDOW_COUNTER -> "swc";
    };
  }
}
