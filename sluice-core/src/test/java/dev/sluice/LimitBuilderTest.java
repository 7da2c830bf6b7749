package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.InvalidLimitException.Field;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.ThrowingSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Limit.Builder}: every field is validated once, in {@link Limit.Builder#build()}, against
 * the algorithm the limit uses; each bound has its message and names its field.
 */
class LimitBuilderTest {

  private static final Duration SECOND = Duration.ofSeconds(1);

  private static InvalidLimitException invalid(ThrowingSupplier<Limit> build) {
    InvalidLimitException e = catchThrowableOfType(InvalidLimitException.class, build::get);
    assertThat(e).as("build must fail").isNotNull();
    return e;
  }

  static Stream<Arguments> bounds() {
    return Stream.of(
        Arguments.of("count positive", Field.COUNT, "count must be positive, was 0",
            (ThrowingSupplier<Limit>) () -> Limit.builder(0, SECOND).build()),
        Arguments.of("count at most 2^53", Field.COUNT,
            "count must be at most 2^53 (9007199254740992), was 9007199254740993",
            (ThrowingSupplier<Limit>) () -> Limit.builder((1L << 53) + 1, SECOND)
                .algorithm(Algorithm.FIXED_WINDOW).build()),
        Arguments.of("period positive", Field.PERIOD, "period must be positive, was PT-0.000001S",
            (ThrowingSupplier<Limit>) () -> Limit.builderOfMicros(5, -1).build()),
        Arguments.of("period whole microseconds", Field.PERIOD,
            "period must be a whole number of microseconds, was PT0.0000015S",
            (ThrowingSupplier<Limit>) () -> Limit.builder(5, Duration.ofNanos(1500)).build()),
        Arguments.of("period at most 100 years", Field.PERIOD,
            "period must be at most PT876000H (100 years), was PT876024H",
            (ThrowingSupplier<Limit>) () -> Limit.builder(5, Duration.ofDays(36_501)).build()),
        Arguments.of("burst positive", Field.BURST, "burst must be positive, was -1",
            (ThrowingSupplier<Limit>) () -> Limit.builder(5, SECOND).burst(-1).build()),
        Arguments.of("burst only for buckets", Field.BURST,
            "burst applies only to TOKEN_BUCKET and GCRA; SLIDING_WINDOW_COUNTER admits count per"
                + " period, so burst must equal count (5), was 6",
            (ThrowingSupplier<Limit>) () -> Limit.builder(5, SECOND).burst(6)
                .algorithm(Algorithm.SLIDING_WINDOW_COUNTER).build()),
        Arguments.of("bucket exactness", Field.BURST,
            "burst × count / gcd(count, period in µs) must be at most 2^53 (9007199254740992) for"
                + " exact arithmetic, was 9007199254740993 × 1 (count 1 per 1000000 µs); use a"
                + " count that divides the period more evenly, or a smaller burst",
            (ThrowingSupplier<Limit>) () -> Limit.builder(1, SECOND).burst((1L << 53) + 1)
                .algorithm(Algorithm.GCRA).build()),
        Arguments.of("bucket refill time", Field.BURST,
            "burst × period / count (the time to refill the burst) must be below 2^52 µs (about"
                + " 142 years), was 60000 × PT24H / 1",
            (ThrowingSupplier<Limit>) () -> Limit.builder(1, Duration.ofDays(1)).burst(60_000)
                .build()),
        Arguments.of("sliding log count", Field.ALGORITHM,
            "SLIDING_WINDOW_LOG keeps every admitted request, so count must be at most 1000000,"
                + " was 1000001; use SLIDING_WINDOW_COUNTER for larger counts",
            (ThrowingSupplier<Limit>) () -> Limit.builder(1_000_001, SECOND)
                .algorithm(Algorithm.SLIDING_WINDOW_LOG).build()),
        Arguments.of("name not blank", Field.NAME, "name must not be blank, was \"\t\"",
            (ThrowingSupplier<Limit>) () -> Limit.builder(5, SECOND).name("\t").build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bounds")
  void eachBoundHasItsMessageAndField(
      String bound, Field field, String message, ThrowingSupplier<Limit> build) {
    InvalidLimitException e = invalid(build);
    assertThat(e).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    assertThat(e.field()).isEqualTo(field);
    assertThat(e.reason()).isEqualTo(message);
  }

  @Test
  void aBuilderFromTextNamesTheTextInTheMessageButNotInTheReason() {
    InvalidLimitException e = invalid(() -> Limit.builder("5/second").burst(0).build());
    assertThat(e).hasMessage("invalid limit \"5/second\": burst must be positive, was 0");
    assertThat(e.reason()).isEqualTo("burst must be positive, was 0");
    assertThat(e.field()).isEqualTo(Field.BURST);
    // Text that does not follow the grammar fails at once: there is no limit to build.
    assertThatThrownBy(() -> Limit.builder("5/fortnight"))
        .isNotInstanceOf(InvalidLimitException.class)
        .hasMessageStartingWith("invalid limit \"5/fortnight\": unknown unit \"fortnight\"");
  }

  @Test
  void nothingIsCheckedBeforeBuild() {
    Limit.Builder b = Limit.builder(0, Duration.ofNanos(1)).burst(-3).name(" ");
    // The first bound in order is the one reported.
    assertThat(invalid(b::build).field()).isEqualTo(Field.PERIOD);
    assertThat(invalid(Limit.builder(0, SECOND).burst(-3).name(" ")::build).field())
        .isEqualTo(Field.COUNT);
  }

  /**
   * Fields set in any order give the same limit: a count valid only for a window is never
   * checked as the token bucket a factory starts from.
   */
  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"FIXED_WINDOW", "SLIDING_WINDOW_COUNTER"})
  void aCountOnlyAWindowAcceptsIsBuiltForTheWindow(Algorithm window) {
    Limit limit = Limit.builder("999999937/second").algorithm(window).build();
    assertThat(limit.count()).isEqualTo(999_999_937L);
    assertThat(limit.burst()).isEqualTo(999_999_937L);
    assertThat(limit.algorithm()).isEqualTo(window);
    assertThat(Limit.parse("999999937/second", window)).isEqualTo(limit);
    assertThat(Limit.parseAll("10/second;999999937/second", window)).containsExactly(
        Limit.of(10, SECOND, window), limit);
    assertThat(invalid(() -> Limit.parse("999999937/second")))
        .hasMessageStartingWith("invalid limit \"999999937/second\": burst × count / gcd(count,"
            + " period in µs) must be at most 2^53")
        .extracting(InvalidLimitException::field).isEqualTo(Field.BURST);
  }

  @Test
  void aBucketWithASmallBurstNeedNotFitAsAFullBucket() {
    // 2^40 per µs: as a bucket of 2^40 out of exact range, with a burst of 1 within it.
    Limit dense = Limit.builderOfMicros(1L << 40, 1).burst(1).algorithm(Algorithm.GCRA).build();
    assertThat(dense.burst()).isEqualTo(1);
    assertThat(dense.capacity()).isEqualTo(1);
    assertThat(Limit.builderOfMicros(1L << 40, 1).algorithm(Algorithm.GCRA).burst(1).build())
        .isEqualTo(dense);
    assertThat(invalid(() -> Limit.ofMicros(1L << 40, 1)).field()).isEqualTo(Field.BURST);
  }

  @Test
  void toBuilderKeepsEveryFieldAndBuildsTheChangeOnce() {
    Limit gcra = Limit.builder("10/second").burst(25).algorithm(Algorithm.GCRA).name("api")
        .build();
    assertThat(gcra.toBuilder().build()).isEqualTo(gcra).hasSameHashCodeAs(gcra);
    assertThat(gcra.toBuilder().algorithm(Algorithm.TOKEN_BUCKET).build())
        .isEqualTo(Limit.builder(10, SECOND).burst(25).name("api").build());
    assertThat(gcra.toBuilder().name(null).build().name()).isEqualTo("10/second");
    // The burst goes with it: a window refuses it, naming the burst.
    assertThat(invalid(() -> gcra.toBuilder().algorithm(Algorithm.FIXED_WINDOW).build()).field())
        .isEqualTo(Field.BURST);
    Limit window = Limit.of(10, SECOND, Algorithm.FIXED_WINDOW);
    assertThat(window.toBuilder().algorithm(Algorithm.SLIDING_WINDOW_LOG).build().burst())
        .isEqualTo(10);
  }

  @Test
  void theFactoriesAreTheBuilderWithDefaults() {
    assertThat(Limit.of(100, Duration.ofMinutes(1))).isEqualTo(Limit.builder("100/minute").build())
        .isEqualTo(Limit.builderOfMicros(100, 60_000_000).build())
        .isEqualTo(Limit.perMinute(100));
    assertThat(Limit.perMinute(100).algorithm()).isEqualTo(Algorithm.TOKEN_BUCKET);
    assertThat(Limit.ofMicros(3, 1_000_000, 5, Algorithm.GCRA))
        .isEqualTo(Limit.builder("3/second").burst(5).algorithm(Algorithm.GCRA).build());
    assertThat(Limit.parse("100/minute").named("api"))
        .isEqualTo(Limit.builder("100/minute").name("api").build());
    assertThatThrownBy(() -> Limit.builder(1, SECOND).algorithm(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Limit.builder(1, (Duration) null))
        .isInstanceOf(NullPointerException.class).hasMessage("period must not be null");
  }

  @Test
  void aBuilderCanBuildAgain() {
    Limit.Builder b = Limit.builder("4/second");
    Limit bucket = b.build();
    Limit gcra = b.algorithm(Algorithm.GCRA).build();
    assertThat(bucket.algorithm()).isEqualTo(Algorithm.TOKEN_BUCKET);
    assertThat(gcra.algorithm()).isEqualTo(Algorithm.GCRA);
    assertThat(List.of(bucket, gcra)).doesNotHaveDuplicates();
  }
}
