package dev.sluice.testkit.contract;

import dev.sluice.Algorithm;

/** The contract of {@link Algorithm#TOKEN_BUCKET}; see {@link BucketContract} for the rules. */
public abstract class TokenBucketContract extends BucketContract {

  @Override
  protected final Algorithm algorithm() {
    return Algorithm.TOKEN_BUCKET;
  }
}
