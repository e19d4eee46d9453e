Console.WriteLine("ruralloans");
