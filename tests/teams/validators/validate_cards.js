// Reads a JSON array of Adaptive Cards on stdin; prints, for each, the problems Microsoft's own
// Adaptive Cards library reports when it parses and validates the card.
const AC = require("adaptivecards/dist/adaptivecards.js");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const problems = JSON.parse(input).map((json) => {
    const context = new AC.SerializationContext();
    const card = new AC.AdaptiveCard();
    card.parse(json, context);
    const found = [];
    for (let i = 0; i < context.eventCount; i++) found.push(context.getEventAt(i).message);
    for (const event of card.validateProperties().validationEvents) found.push(event.message);
    return found;
  });
  process.stdout.write(JSON.stringify(problems));
});
