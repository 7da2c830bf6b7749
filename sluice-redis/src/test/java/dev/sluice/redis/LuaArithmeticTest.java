package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.redis.RealRedis;
import dev.sluice.testkit.redis.RedisStandalone;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Given operands whose product exceeds 2^53 (where Lua doubles round), {@code common.lua}'s
 * {@code muldiv_floor}/{@code muldiv_ceil} still equal exact integer arithmetic, and so does {@code
 * fmod} over its domain ({@code |a| + d <= 2^53}).
 */
@ExtendWith(RealRedis.class)
class LuaArithmeticTest {

  private static final long TWO53 = 1L << 53;

  @Test
  void mulDivIsExactBeyondTwoToThe53(RedisStandalone server) {
    Random rnd = new Random(2024);
    List<long[]> cases = new ArrayList<>();
    cases.add(new long[] {TWO53 - 2, TWO53 - 1, TWO53 - 1});
    cases.add(new long[] {1, TWO53 - 1, 2});
    cases.add(new long[] {94_906_264, 3_153_600_000_000_000L, 94_906_265});
    for (int i = 0; i < 300; i++) {
      long d = 1 + Math.floorMod(rnd.nextLong(), rnd.nextBoolean() ? TWO53 - 1 : 1_000_000_000L);
      long a = Math.floorMod(rnd.nextLong(), d); // callers guarantee a < d
      long b = Math.floorMod(rnd.nextLong(), TWO53);
      cases.add(new long[] {a, b, d});
    }
    String script = common() + "\nlocal out = {}\nfor i = 1, #ARGV, 4 do\n"
        + "  local a, b, d = tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])\n"
        + "  out[#out + 1] = muldiv_floor(a, b, d)\n  out[#out + 1] = muldiv_ceil(a, b, d)\n"
        + "  out[#out + 1] = muldiv_floor(b, a, d)\n"
        + "  out[#out + 1] = fmod(tonumber(ARGV[i + 3]), d)\nend\nreturn out";
    List<String> cmd = new ArrayList<>(List.of("EVAL", script, "0"));
    for (long[] c : cases) {
      for (long v : c) {
        cmd.add(Long.toString(v));
      }
      cmd.add(Long.toString(fmodOperand(c)));
    }
    List<?> reply = (List<?>) server.node().call(cmd);
    for (int i = 0; i < cases.size(); i++) {
      long[] c = cases.get(i);
      BigInteger[] qr = BigInteger.valueOf(c[0]).multiply(BigInteger.valueOf(c[1]))
          .divideAndRemainder(BigInteger.valueOf(c[2]));
      long floor = qr[0].longValueExact();
      long ceil = floor + (qr[1].signum() == 0 ? 0 : 1);
      String what = c[0] + " × " + c[1] + " / " + c[2];
      assertThat((Long) reply.get(4 * i)).as("floor " + what).isEqualTo(floor);
      assertThat((Long) reply.get(4 * i + 1)).as("ceil " + what).isEqualTo(ceil);
      assertThat((Long) reply.get(4 * i + 2)).as("floor swapped " + what).isEqualTo(floor);
      assertThat((Long) reply.get(4 * i + 3)).as("fmod")
          .isEqualTo(Math.floorMod(fmodOperand(c), c[2]));
    }
  }

  /** A negative dividend within fmod's domain: |x| + d <= 2^53. */
  private static long fmodOperand(long[] c) {
    return -(c[1] % (TWO53 - c[2]));
  }

  private static String common() {
    try (InputStream in = Script.class.getResourceAsStream("common.lua")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
