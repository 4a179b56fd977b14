/** The studio's one API client instance. */
import { ApiClient } from "./api-client";

export const api = new ApiClient();
