// The market's terms as the admin last set them: one MarketTerms entity, id "market".
import { MarketTerms } from "../generated/schema";

export function terms(): MarketTerms {
  let found = MarketTerms.load("market");
  if (found == null) {
    found = new MarketTerms("market");
  }
  return found;
}
