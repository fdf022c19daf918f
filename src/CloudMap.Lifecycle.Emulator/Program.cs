// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

Console.WriteLine("CloudMap.Lifecycle emulator: work in progress.");
