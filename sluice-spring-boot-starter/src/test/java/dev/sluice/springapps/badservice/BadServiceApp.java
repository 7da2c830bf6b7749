package dev.sluice.springapps.badservice;

import dev.sluice.servlet.RateLimited;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Service;

/** A service whose {@code @RateLimited} key expression does not parse, and one waiting too long. */
@SpringBootApplication
public class BadServiceApp {

  @Service
  public static class Quotes {
    @RateLimited(value = "1/minute", keyExpression = "#p0 +")
    public String quote(String customer) {
      return customer;
    }
  }
}
