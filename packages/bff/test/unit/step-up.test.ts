import { describe, expect, it } from 'vitest';
import { stepUpRequirement } from '../../src/step-up.js';

const MFA = 'urn:cloakroom:acr:mfa';

describe('stepUpRequirement (RFC 9470)', () => {
  it("reads the guard's challenge, Bearer or DPoP", () => {
    const guard = `error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="${MFA} urn:cloakroom:acr:password", max_age="300"`;
    for (const scheme of ['Bearer', 'DPoP', 'bearer']) {
      expect(stepUpRequirement(401, `${scheme} realm="https://api.example/orders", ${guard}`)).toEqual({
        acr_values: `${MFA} urn:cloakroom:acr:password`,
        max_age: 300,
      });
    }
    // RFC 9470's own example: unquoted max_age, several challenges.
    expect(stepUpRequirement(401, 'Basic realm="x", Bearer error="insufficient_user_authentication", max_age=5')).toEqual({ max_age: 5 });
    expect(stepUpRequirement(401, 'Bearer error="insufficient_user_authentication", acr_values="myACR"')).toEqual({ acr_values: 'myACR' });
  });

  it('answers an empty requirement for a challenge without (usable) acr_values or max_age', () => {
    expect(stepUpRequirement(401, 'Bearer error="insufficient_user_authentication"')).toEqual({});
    expect(stepUpRequirement(401, 'Bearer error="insufficient_user_authentication", acr_values="", max_age="soon"')).toEqual({});
  });

  it('is no step-up for another status, error, scheme or a missing header', () => {
    const header = `Bearer error="insufficient_user_authentication", acr_values="${MFA}"`;
    expect(stepUpRequirement(403, header)).toBeUndefined();
    expect(stepUpRequirement(200, header)).toBeUndefined();
    expect(stepUpRequirement(401, null)).toBeUndefined();
    expect(stepUpRequirement(401, 'Bearer error="invalid_token"')).toBeUndefined();
    expect(stepUpRequirement(401, 'Bearer error="Insufficient_User_Authentication"')).toBeUndefined(); // error codes are case-sensitive
    expect(stepUpRequirement(401, `Basic error="insufficient_user_authentication", acr_values="${MFA}"`)).toBeUndefined();
    // Only in a parameter's text, not as the error.
    expect(stepUpRequirement(401, 'Bearer error="invalid_token", error_description="insufficient_user_authentication"')).toBeUndefined();
    // Ambiguous: the error named twice.
    expect(stepUpRequirement(401, 'Bearer error="invalid_token", error="insufficient_user_authentication"')).toBeUndefined();
  });

  it('passes on only acr values made of URI characters, once each, and max_age as whole seconds', () => {
    const header = (acrValues: string, maxAge = '60') =>
      `Bearer error="insufficient_user_authentication", acr_values="${acrValues.replace(/["\\]/g, '\\$&')}", max_age="${maxAge}"`;
    expect(stepUpRequirement(401, header(`<script>alert(1)</script> ${MFA} ${MFA}  https://acr.example/gold?x=1#y silver`))).toEqual({
      acr_values: `${MFA} https://acr.example/gold?x=1#y silver`,
      max_age: 60,
    });
    expect(stepUpRequirement(401, header('a"b c\\d g\u00e9h {i} j|k `l` m^n'))).toEqual({ max_age: 60 });
    // A control character breaks the header itself: nothing is read of it.
    expect(stepUpRequirement(401, header(`${MFA} e\u0007f`))).toBeUndefined();
    for (const maxAge of ['-1', '1.5', '1e3', '0x10', '1234567890', ' 5', '']) {
      expect(stepUpRequirement(401, header(MFA, maxAge))).toEqual({ acr_values: MFA });
    }
    expect(stepUpRequirement(401, header(MFA, '0'))).toEqual({ acr_values: MFA, max_age: 0 });
  });

  it('keeps acr_values within the 256 characters GET /login takes back, in the order given', () => {
    const values = Array.from({ length: 40 }, (_, index) => `urn:example:acr:level-${index}`);
    const { acr_values: kept } = stepUpRequirement(
      401,
      `Bearer error="insufficient_user_authentication", acr_values="${values.join(' ')}"`,
    )!;
    expect(kept!.length).toBeLessThanOrEqual(256);
    expect(values.join(' ').startsWith(kept!)).toBe(true);
    expect(kept!.split(' ')).toHaveLength(10);
    expect(stepUpRequirement(401, `Bearer error="insufficient_user_authentication", acr_values="${'a'.repeat(257)} b"`)).toEqual({
      acr_values: 'b',
    });
  });
});
