package dev.sluice.springapps.batch;

import dev.sluice.servlet.RateLimited;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Service;

/** An application without a web server: {@code @RateLimited} on its service all the same. */
@SpringBootApplication
public class BatchApp {

  @Service
  public static class Mailer {
    @RateLimited(value = "3/minute", keyExpression = "#p0")
    public String send(String recipient) {
      return "sent to " + recipient;
    }
  }
}
