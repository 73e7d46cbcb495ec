// The BFF child on workerd, as a Workers module; Miniflare serves it and picks the port.
import { configurableBff } from '../configurable-bff.js';

// workerd has no version global; its user agent says which runtime this is.
export default { fetch: configurableBff(navigator.userAgent) };
