package dev.sluice.examples.llmquota;

import java.util.ArrayList;
import java.util.List;

/**
 * A stand-in for a language model, deterministic so that the numbers can be followed: a token is
 * a word; the answer has ten tokens per prompt token, at most {@code maxTokens}.
 */
final class StandInModel {

  private static final String[] WORDS = {"the", "quota", "holds", "an", "estimate", "and",
      "settles", "what", "was", "really", "spent"};

  private StandInModel() {}

  static long tokens(String text) {
    String t = text.strip();
    return t.isEmpty() ? 0 : t.split("\\s+").length;
  }

  static List<String> answer(String prompt, long maxTokens) {
    long n = Math.min(maxTokens, 10 * tokens(prompt));
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(WORDS[i % WORDS.length]);
    }
    return out;
  }
}
